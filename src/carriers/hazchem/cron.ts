import type { CronTask } from "../../engine";
import { runFeed } from "./feed";

// hazchem's pulls on the 10-minute cron.
export const hazchemCron: CronTask[] = [
  {
    name: "hazchem.feed",
    run: async (env, db, pass) => {
      const r = await runFeed(env, db, undefined, pass);
      return { pages: r.pages, seen: r.seen, new: r.new, ignored: r.ignored, malformed: r.malformed, more: r.more };
    },
  },
];
