// Palletforce (issue 23): the `pforce` helper's workload (scripts/soak/palletforce.mjs), listed
// here as a module. Each run books one consignment through the dispatch door (then tracks it to
// delivery) and sends our scans for one we deliver. Its TMS stops are in the soak's step-back check.
import { palletforceSoak } from "../palletforce.mjs";

export default {
  name: "palletforce",
  kinds: ["Palletforce booking", "Palletforce move → TMS", "our scan → Palletforce"],
  run(ctx) {
    const s = palletforceSoak.scenarios(ctx);
    return Promise.all([s.palletforceBooking(), s.palletforceOurScans()]);
  },
  count: (it, w) => palletforceSoak.count(it, { q: w.qargo, pf: w.palletforce }) ?? 0,
  repeats: (it, w) => palletforceSoak.repeats(it, { q: w.qargo }),
};
