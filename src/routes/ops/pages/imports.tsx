import type { FC } from "hono/jsx";
import { Layout, When, consignmentHref, type Flash } from "../components";
import type { ImportView } from "../../../read/imports";

// Consignments the connector made into TMS orders itself, with where each came from.
export const ImportsPage: FC<{ list: ImportView[]; flash: Flash }> = ({ list, flash }) => (
  <Layout title="Imports" current="imports" flash={flash}>
    <h1>Imports</h1>
    <p>Consignments the connector made into TMS orders by itself: UPN's consignments for our depot, and Palletways consignments our depot delivers (found through Palletways' status notes). Newest first.</p>
    {list.length === 0 ? (
      <p class="muted">Nothing imported yet.</p>
    ) : (
      <table>
        <thead>
          <tr>
            <th scope="col">Consignment</th>
            <th scope="col">Source</th>
            <th scope="col">Where it stands</th>
            <th scope="col">TMS order</th>
            <th scope="col">First seen</th>
          </tr>
        </thead>
        <tbody>
          {list.map((i) => (
            <tr>
              <td>
                {i.network_label} <a href={consignmentHref(i.network, i.reference)}>{i.reference}</a>
              </td>
              <td>{i.source}</td>
              <td>
                {i.status}
                {i.error && <span class="error"> ({i.error})</span>}
              </td>
              <td>{i.order_id ?? <span class="muted">not yet</span>}</td>
              <td>
                <When iso={i.first_seen_at} relative />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </Layout>
);
