import { z } from "zod";
import { defineJob, type JobContext } from "../../engine";
import { DeferError, PermanentError, TransientError, errorMessage } from "../../lib/errors";
import { BookingClient, NO_ANSWER_CODE, type Found } from "./booking-client";
import { wrapManifest, type ManifestConsignment } from "./booking-manifest";
import { bookingSettings } from "./booking-settings";
import { COMMIT_IN_FLIGHT_MS, LATE_STORE_MS, loadBooking, moveBooking, type Booking } from "./booking-store";
import { afterBooked, markBooked } from "./booking-booked";
import { BOOK_JOB } from "./booking-kinds";

// The job "palletways.book" (payload {orderId}): commits the booking's manifest once.
// Palletways does not deduplicate, so the rule is: commit only from `pending`, taken by a
// compare-and-set; after any unclear outcome (no answer, a reset, a 5xx, an isolate that died
// with a commit out) look the consignment number up (getDynConStatusByConNo) and commit again
// only when Palletways has none (contracts rule 8). A redelivered message, a replay, a second
// job for the same order and two isolates at once all meet the same row.

export const bookJob = defineJob(BOOK_JOB, z.object({ orderId: z.string().min(1) }), book);

async function book(ctx: JobContext<{ orderId: string }>) {
  const settings = bookingSettings(ctx.env);
  if (!settings) throw new PermanentError("Palletways booking is not configured: set PALLETWAYS_ACCOUNT", "PALLETWAYS_NO_ACCOUNT", "Set PALLETWAYS_ACCOUNT, then replay");
  const client = new BookingClient(ctx.env);
  const note = (row: Booking, outcome: "ok" | "error" | "info" | "waiting", message: string, detail: Record<string, unknown> = {}) =>
    ctx.timeline({ reference: row.trackingId ?? row.orderName, kind: outcome === "error" ? "error" : "info", step: "palletways.book", outcome, message, detail: { order_id: row.orderId, ...detail } });

  let bookedHere = false;
  for (let pass = 0; pass < 4; pass++) {
    const row = await loadBooking(ctx.db, ctx.payload.orderId);
    if (!row) return { status: "skipped" as const, message: "no booking for this order" };
    switch (row.status) {
      case "booked":
        // A run that died right after booking left the follow-ups to whoever comes next.
        await afterBooked(ctx.env, ctx.db, { ...row, trackingId: row.trackingId! });
        return bookedHere ? { status: "done" as const, message: `booked as ${row.trackingId}` } : { status: "skipped" as const, message: `already booked as ${row.trackingId}` };
      case "refused":
      case "failed":
        return { status: "skipped" as const, message: `booking ${row.status}: ${row.message ?? ""}` };
      case "created": {
        // Committed and answered OK; only the tracking ID is still to be named.
        const found = await client.findByNumber(row.orderName);
        if (!found) throw new TransientError(`Palletways took the booking of ${row.orderName} but does not list it yet; asking again`, "PALLETWAYS_NOT_LISTED");
        bookedHere = await markBooked(ctx.env, ctx.db, row, found.trackingId, "Palletways named the tracking ID", null);
        continue;
      }
      case "committing": {
        const age = Date.now() - (row.commitStartedAt ?? 0);
        if (age < COMMIT_IN_FLIGHT_MS) throw new DeferError(`a commit of ${row.orderName} is still on its way to Palletways; looking again once it is over`, COMMIT_IN_FLIGHT_MS - age + 1_000);
        bookedHere = (await settleUnclear(row, "an earlier commit had no clear answer")) === "booked";
        continue;
      }
      case "pending": {
        const consignment = JSON.parse(row.manifest) as ManifestConsignment;
        const manifest = wrapManifest(settings.account, consignment, new Date());
        const claimed = await moveBooking(ctx.db, row, { status: "committing", commitStartedAt: Date.now(), commits: row.commits + 1, manifestSent: JSON.stringify(manifest), answer: null });
        if (!claimed) continue;
        const committing = { ...row, status: "committing" };
        let answer;
        try {
          answer = await client.createConsignment(manifest);
        } catch (err) {
          if (err instanceof TransientError) {
            await note(row, "waiting", `createconsignment for ${row.orderName} had no clear answer (${errorMessage(err)}): looking the consignment number up before anything is sent again`);
            // No answer at all: Palletways may still store what it holds, so nobody (this run, a
            // redelivery, another isolate) takes "none found" for an answer until LATE_STORE_MS
            // after our call ended. An answer (5xx, an unreadable body) means it is done with it.
            const noAnswer = err.code === NO_ANSWER_CODE;
            const believeNoneAt = noAnswer ? Date.now() + LATE_STORE_MS : Date.now();
            const startedAt = believeNoneAt - COMMIT_IN_FLIGHT_MS;
            await moveBooking(ctx.db, committing, { commitStartedAt: startedAt });
            const settled = await settleUnclear({ ...committing, commitStartedAt: startedAt }, "createconsignment had no clear answer", believeNoneAt).catch((lookupErr) => {
              if (lookupErr instanceof DeferError) throw lookupErr;
              throw new TransientError(`${errorMessage(err)}; the look-up failed too (${errorMessage(lookupErr)}): the next attempt looks again before committing`, "PALLETWAYS_UNCLEAR");
            });
            if (settled === "booked") {
              bookedHere = true;
              continue;
            }
            throw err;
          }
          // Not sent, or refused before anything was stored (limiter, a ban, a refused key): the
          // booking is still to be made.
          await moveBooking(ctx.db, committing, { status: "pending", commitStartedAt: null });
          throw err;
        }
        if (answer.kind === "refused") {
          const words = answer.errors.length ? answer.errors.map((e) => `${e.description || "(no description)"} (${e.code || "no code"})`).join("; ") : "no reason given";
          const message = `Palletways refused the booking: ${words}`;
          await moveBooking(ctx.db, committing, { status: "refused", message, answer: answer.raw });
          await note(row, "error", `${message}. The planner sees this on the dispatch task; a corrected dispatch books again.`, { errors: answer.errors });
          return { status: "done" as const, message };
        }
        if (answer.kind === "format_invalid") {
          const message = `Palletways could not read the booking we sent (ERROR_FORMAT_INVALID${answer.description ? `: ${answer.description}` : ""})`;
          await moveBooking(ctx.db, committing, { status: "failed", message, answer: answer.raw });
          throw new PermanentError(message, "PALLETWAYS_FORMAT_INVALID", "A fault on our side: keep the manifest from the consignment page and report it; a new dispatch of the order books again");
        }
        await moveBooking(ctx.db, committing, { status: "created", answer: answer.raw });
        await note(row, "ok", `Palletways took the booking of ${row.orderName} (${answer.responseId ? `response ${answer.responseId}` : "no response id"}); asking for its tracking ID`);
        continue;
      }
      default:
        throw new PermanentError(`booking of ${row.orderName} is in an unknown state ${row.status}`);
    }
  }
  throw new TransientError("the booking kept changing under this run; trying again", "PALLETWAYS_BOOKING_BUSY");

  /**
   * A commit with an unclear outcome: booked if Palletways lists the number, else pending again,
   * but not before `believeNoneAt` (a late store may still come): until then it stays committing
   * and the run waits (DeferError) to look again.
   */
  async function settleUnclear(row: Booking, why: string, believeNoneAt = 0): Promise<"booked" | "pending"> {
    const found: Found = await client.findByNumber(row.orderName);
    if (found) {
      await markBooked(ctx.env, ctx.db, row, found.trackingId, `${why}; getDynConStatusByConNo lists it (status ${found.statusCode ?? "?"} ${found.status ?? ""}), so it was not sent again`.trim(), null);
      return "booked";
    }
    const wait = believeNoneAt - Date.now();
    if (wait > 0) {
      await note(row, "waiting", `${why}; Palletways lists no consignment ${row.orderName} yet, but it may still store the request it got: looking again in ${Math.ceil(wait / 1000)} s before anything is sent again`);
      throw new DeferError(`Palletways may still store the commit of ${row.orderName} that had no answer; looking again once that is over`, wait + 1_000);
    }
    await moveBooking(ctx.db, row, { status: "pending", commitStartedAt: null });
    await note(row, "info", `${why}; Palletways has no consignment ${row.orderName} (NO_RESULTS_FOUND), so it will be committed again`);
    return "pending";
  }
}
