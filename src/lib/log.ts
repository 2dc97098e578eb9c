import { redact } from "./secrets";

// One JSON line per meaningful step, so `wrangler tail --format json | jq` can answer
// "what happened to consignment X": filter on .network and .reference.
interface LogFields {
  network?: string;
  reference?: string;
  step: string;
  outcome: "ok" | "error" | "skipped" | "waiting" | "retry" | "info";
  ms?: number;
  error?: string;
  [key: string]: unknown;
}

export function log(fields: LogFields): void {
  const line = redact(JSON.stringify({ ts: new Date().toISOString(), ...fields }));
  if (fields.outcome === "error") console.error(line);
  else console.log(line);
}
