import type { DispatchConsignment, DispatchOrder, DispatchStop, SubcontractorDispatch } from "../../tms/dispatch";
import type { BillUnit, BookingSettings } from "./booking-settings";

// A TMS subcontractor dispatch → the createconsignment manifest, exactly as palletways.md
// ("Booking") lays it out. Pure: everything a planner must fix is found here, before any call.

export interface ManifestAddress {
  Type: "Collection" | "Delivery";
  CompanyName: string;
  ContactName: string;
  Telephone: string;
  Line: string[];
  Town: string;
  County: string;
  PostCode: string;
  Country: string;
}

export interface ManifestConsignment {
  Type: "D";
  ImportID: string;
  Number: string;
  Reference: string;
  Lifts: number;
  Weight: number;
  Handball: "no";
  TailLift: "yes" | "no";
  Classification: "B2B";
  CollectionDate: string;
  DeliveryDate: string;
  ManifestNote: string;
  Service: { Type: "Delivery"; Code: string }[];
  Address: [ManifestAddress, ManifestAddress];
  BillUnit: { Type: BillUnit; Amount: number }[];
  NotificationSet?: { Email?: string; SMSNumber?: string };
}

export interface Manifest {
  Manifest: { Date: string; Time: string; Confirm: "yes"; Depot: { Account: { Code: string; Consignment: [ManifestConsignment] } } };
}

/** What a booking needs besides the manifest: whose it is and which stops it moves. */
export interface BookingTarget {
  orderId: string;
  orderName: string;
  tripId: string | null;
  pickupStopId: string;
  deliveryStopId: string;
}

export type BuiltManifest = { ok: true; target: BookingTarget; consignment: ManifestConsignment } | { ok: false; problems: string[] };

const MANIFEST_NOTE_MAX = 250;

export function buildConsignment(dispatch: SubcontractorDispatch, settings: BookingSettings): BuiltManifest {
  const orders = dispatch.payload.orders;
  if (orders.length !== 1 || orders[0]!.consignments.length !== 1) {
    const n = orders.reduce((sum, o) => sum + o.consignments.length, 0);
    return { ok: false, problems: [`one consignment per Palletways dispatch: this trip has ${orders.length} order(s) and ${n} consignment(s); split it into one trip per consignment`] };
  }
  const order = orders[0]!;
  const c = order.consignments[0]!;
  const problems: string[] = [];
  const collection = address("Collection", "pickup", c.pickup_stop, problems);
  const delivery = address("Delivery", "delivery", c.delivery_stop, problems);
  const service = serviceCode(order, settings, problems);
  if (problems.length) return { ok: false, problems };

  const counts = goodsCounts(c, settings);
  const notify: { Email?: string; SMSNumber?: string } = {};
  if (c.delivery_stop.email?.trim()) notify.Email = c.delivery_stop.email.trim();
  if (c.delivery_stop.mobile_number?.trim()) notify.SMSNumber = c.delivery_stop.mobile_number.trim();
  const consignment: ManifestConsignment = {
    Type: "D",
    ImportID: order.id,
    Number: order.name,
    Reference: order.customer_reference_number?.trim() || order.name,
    Lifts: counts.lifts,
    Weight: counts.weight,
    Handball: "no",
    TailLift: (c.delivery_stop.extras ?? []).some((e) => (e.code ?? "").toUpperCase().includes("TAIL_LIFT")) ? "yes" : "no",
    Classification: "B2B",
    CollectionDate: c.pickup_stop.date ?? "",
    DeliveryDate: c.delivery_stop.date ?? "",
    ManifestNote: (c.planning_instructions ?? "").trim().slice(0, MANIFEST_NOTE_MAX),
    Service: [{ Type: "Delivery", Code: service! }],
    Address: [collection!, delivery!],
    BillUnit: counts.billUnits,
    ...(Object.keys(notify).length ? { NotificationSet: notify } : {}),
  };
  return {
    ok: true,
    consignment,
    target: { orderId: order.id, orderName: order.name, tripId: dispatch.payload.id ?? null, pickupStopId: c.pickup_stop.id, deliveryStopId: c.delivery_stop.id },
  };
}

/** The full manifest around one consignment, dated now (UK time), committing it. */
export function wrapManifest(account: string, consignment: ManifestConsignment, now: Date): Manifest {
  const { date, time } = ukDateTime(now);
  return { Manifest: { Date: date, Time: time, Confirm: "yes", Depot: { Account: { Code: account, Consignment: [consignment] } } } };
}

function address(type: ManifestAddress["Type"], which: string, stop: DispatchStop, problems: string[]): ManifestAddress | null {
  const l = stop.location;
  const missing = [
    !l.postal_code?.trim() && "postal code",
    !l.city?.trim() && "town (city)",
    !l.country?.trim() && "country",
  ].filter(Boolean);
  if (missing.length) {
    problems.push(`the ${which} address (${l.name ?? "unnamed location"}) has no ${missing.join(", no ")}: add it to the ${which} stop's location`);
    return null;
  }
  return {
    Type: type,
    CompanyName: (l.name ?? l.display_name ?? "").trim(),
    ContactName: (l.contact_name ?? "").trim(),
    Telephone: (stop.phone_number ?? "").trim(),
    Line: [l.address, l.address_second_line].map((x) => (x ?? "").trim()).filter(Boolean),
    Town: l.city!.trim(),
    County: (l.state ?? "").trim(),
    PostCode: l.postal_code!.trim().toUpperCase(),
    Country: l.country!.trim().toUpperCase(),
  };
}

function serviceCode(order: DispatchOrder, settings: BookingSettings, problems: string[]): string | null {
  const level = order.service_level?.code?.trim();
  const mapped = (level && settings.services[level.toUpperCase()]) || settings.services["*"];
  if (mapped) return mapped;
  problems.push(
    level
      ? `the service level ${level} has no Palletways service: add ${level}=<code> (or a default *=<code>) to PALLETWAYS_SERVICES`
      : `the order has no service level and PALLETWAYS_SERVICES has no default: set the order's service level, or add *=<code> to PALLETWAYS_SERVICES`,
  );
  return null;
}

function goodsCounts(c: DispatchConsignment, settings: BookingSettings): { lifts: number; weight: number; billUnits: { Type: BillUnit; Amount: number }[] } {
  const goods = c.goods ?? [];
  // Per good: its handling units, or its quantity when it has none. All goods with units: the
  // number of handling units; none with units: the quantities summed; and Lifts always equals
  // the bill units' total.
  const kg = goods.reduce((n, g) => n + (g.total_weight_kg ?? 0), 0);
  const amounts = new Map<BillUnit, number>();
  for (const g of goods) {
    const code = g.packaging_type?.code?.trim().toUpperCase();
    const unit: BillUnit = (code && settings.billUnits[code]) || "FP";
    const n = g.handling_units?.length ? g.handling_units.length : (g.quantity ?? 0);
    if (n > 0) amounts.set(unit, (amounts.get(unit) ?? 0) + n);
  }
  return { lifts: [...amounts.values()].reduce((a, b) => a + b, 0), weight: Math.ceil(kg), billUnits: [...amounts].map(([Type, Amount]) => ({ Type, Amount })) };
}

const ukFormat = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

function ukDateTime(d: Date): { date: string; time: string } {
  const p = Object.fromEntries(ukFormat.formatToParts(d).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}
