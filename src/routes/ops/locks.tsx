import type { FC } from "hono/jsx";
import { When } from "./components";
import type { RecentLock } from "../../read/locks";

// The overview's list of clients locked out for wrong credentials in the last 24 hours.

export const RecentLocks: FC<{ locks: RecentLock[]; now: number }> = ({ locks, now }) => (
  <section aria-labelledby="locks-h">
    <h2 id="locks-h">Sign-in locks</h2>
    {locks.length === 0 ? (
      <p class="muted">No address was locked out for wrong credentials in the last 24 hours.</p>
    ) : (
      <div class="scroll">
        <table>
          <caption class="muted">
            After 10 wrong credentials within 10 minutes, an address (an IPv6 network by its /64) is refused on that route until the 10 minutes have passed; on the TMS
            webhook, only for the user name it sent, and never for a webhook whose signature verifies. Many locks on the TMS webhook with our user name mean its Basic
            credentials were changed on one side only.
          </caption>
          <thead>
            <tr>
              <th scope="col">Locked</th>
              <th scope="col">Route</th>
              <th scope="col">Address</th>
              <th scope="col" class="opt">Until</th>
            </tr>
          </thead>
          <tbody>
            {locks.map((l) => (
              <tr>
                <td>
                  <When iso={new Date(l.lockedAt).toISOString()} now={now} relative />
                </td>
                <td>{l.routeLabel}</td>
                <td>
                  <code>{l.client}</code>
                </td>
                <td class="opt">
                  <When iso={new Date(l.until).toISOString()} now={now} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
  </section>
);
