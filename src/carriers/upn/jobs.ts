import type { JobHandlers } from "../carrier";
import { checkDeliveredOrder } from "./delivered";
import { sendEpod } from "./epod";
import { uploadImage } from "./images";
import { importOrder } from "./import";
import { applyTrackingEvents } from "./tracking";

// Job kinds "upn.*" run by the queue consumer.
export const upnJobs: JobHandlers = {
  "upn.import": importOrder,
  "upn.tracking-apply": applyTrackingEvents,
  "upn.epod": sendEpod,
  "upn.image": uploadImage,
  "upn.delivery-completed": checkDeliveredOrder,
};
