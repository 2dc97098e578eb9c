// Every benchmark prints its figures the same way: the figure, its reference from the same run,
// the ratio and the target, so one look says whether a target holds.
export function row({ bench, metric, value, unit, reference, referenceValue, target, pass }) {
  const fmt = (v) => (typeof v === "number" ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)) : String(v ?? "—"));
  const ratio = typeof value === "number" && typeof referenceValue === "number" && referenceValue !== 0
    ? (value / referenceValue).toFixed(2) + "×" : "—";
  const verdict = pass === undefined ? "" : pass ? "PASS" : "MISS";
  console.log(
    [bench.padEnd(22), metric.padEnd(34), `${fmt(value)} ${unit}`.padEnd(16),
      `${reference ?? ""}: ${fmt(referenceValue)} ${referenceValue === undefined ? "" : unit}`.padEnd(34),
      ratio.padEnd(8), (target ?? "").padEnd(24), verdict].join(" | "),
  );
}

export function header(title) {
  console.log(`\n== ${title}`);
}
