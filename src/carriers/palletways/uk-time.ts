// Palletways gives PodDate + PodTime in UK local time (GMT or BST). Convert to an instant;
// null when either is not a real date or time (the caller then uses the time it learnt of it).
export function ukLocalToEpochMs(date: string, time: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  const t = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(time.trim());
  if (!m || !t) return null;
  const [y, mo, d, h, mi, se] = [+m[1]!, +m[2]!, +m[3]!, +t[1]!, +t[2]!, +(t[3] ?? 0)];
  if (h > 23 || mi > 59 || se > 59) return null;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, se);
  // Date.UTC rolls 2026-02-30 over into March; a date that does not exist is not a delivery time.
  const back = new Date(asUtc);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  // The London offset at that moment (0 or +1 h); checking at the guessed instant is right
  // except within the hour of a clock change, where either reading is defensible.
  const offsetMs = londonOffsetMs(asUtc);
  return asUtc - offsetMs;
}

function londonOffsetMs(utcMs: number): number {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/London",
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return local - Math.floor(utcMs / 1000) * 1000;
}
