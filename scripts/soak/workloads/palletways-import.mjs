// Palletways consignments for our depot imported as TMS orders (issue 22): the `pwimport`
// helper's workload (scripts/soak/palletways-import.mjs), listed here as a module.
import { KINDS, palletwaysImportCount, palletwaysImportScenario } from "../palletways-import.mjs";

export default {
  name: "palletwaysImport",
  kinds: [KINDS.order, KINDS.scan, KINDS.other],
  run: (ctx) => palletwaysImportScenario(ctx)(),
  count: (it, w) => palletwaysImportCount(it, w.qargo) ?? 0,
};
