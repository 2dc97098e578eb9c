import { zValidator } from "@hono/zod-validator";
import { z } from "zod";
import { base64ToBytes } from "../lib/bytes";
import { invalidBody } from "../middleware/json-body";
import { operationalVisibilityUpdateSchema, parseUpdate, type OperationalVisibilityUpdate } from "../tms/schemas";

// The webhook's body, validated in two stages with one answer shape (contract: a 400 names the
// failing fields): the OperationalVisibilityUpdate itself, then each event's update by its type
// and each inline file's base64. Inline files must decode now: a bad one is the sender's error,
// not something to retry later.

type Parsed = ReturnType<typeof parseUpdate>;
export type IntakeEvent = { index: number; timestamp: string; update: Exclude<Parsed, { type: "invalid" }>; inline: Uint8Array | null };
export type IntakeBody = { update: OperationalVisibilityUpdate; events: IntakeEvent[] };

/** Marks the issues of the second stage, so the 400 says which stage refused the body. */
const EVENT_STAGE = "event-update";

export const intakeBodySchema = operationalVisibilityUpdateSchema.transform((update, ctx): IntakeBody => {
  const events: IntakeEvent[] = [];
  update.events.forEach((event, index) => {
    const at = ["events", index, "update"];
    const parsed = parseUpdate(event.update);
    if (parsed.type === "invalid") {
      for (const i of parsed.issues) ctx.addIssue({ code: "custom", message: i.message, path: [...at, ...i.path], params: { stage: EVENT_STAGE } });
      return;
    }
    let inline: Uint8Array | null = null;
    const content = parsed.type === "Document" ? parsed.value.document.document_content : null;
    if (content && "content" in content) {
      try {
        inline = base64ToBytes(content.content);
      } catch {
        ctx.addIssue({ code: "custom", message: "is not valid base64", path: [...at, "document", "document_content", "content"], params: { stage: EVENT_STAGE } });
        return;
      }
    }
    events.push({ index, timestamp: event.timestamp, update: parsed, inline });
  });
  return { update, events };
});

/** The validator middleware: `c.req.valid("json")` is the update with its events parsed. */
export const intakeBody = () =>
  zValidator(
    "json",
    intakeBodySchema,
    invalidBody((issues) => (issues.every(eventStage) ? "an event's update is malformed" : "the body is not an OperationalVisibilityUpdate")),
  );

function eventStage(issue: object): boolean {
  return "params" in issue && typeof issue.params === "object" && issue.params !== null && "stage" in issue.params && issue.params.stage === EVENT_STAGE;
}
