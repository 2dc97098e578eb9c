// The soak's workload kinds, one module each. A module exports `{ name, kinds, run(ctx), count(item, world) }`:
// `run` creates work through the simulators and the connector's doors and pushes one item per
// unit that must arrive somewhere (`ctx.items.push({ kind, network, reference, key })`, `key`
// being the item's own identity: a SHA-256, an event id); `count(item, world)` says how many
// times that very item arrived, from the simulators' records. Every kind listed must produce at
// least one item in a run. Another helper adding work adds a module here, nothing else.
import palletwaysPhotos from "./palletways-photos.mjs";
import ftpUpload from "./ftp-upload.mjs";
import upnImport from "./upn-import.mjs";
import upnEpod from "./upn-epod.mjs";
import hazchemUpload from "./hazchem-upload.mjs";
import hazchemFeed from "./hazchem-feed.mjs";
import palletwaysImport from "./palletways-import.mjs";
import palletwaysBooking from "./palletways-booking.mjs";
import palletforce from "./palletforce.mjs";

export const workloads = [palletwaysPhotos, ftpUpload, upnImport, upnEpod, hazchemUpload, hazchemFeed, palletwaysImport, palletwaysBooking, palletforce];
