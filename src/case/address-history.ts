/**
 * The address history: which resource held which public address, and when abuse-desk saw it
 * (each `abuse-desk inventory` run, and the service's daily inventory). `resolve` asks it who held
 * an address at a time when CloudTrail cannot say (beyond its 90 days, no trail, an address AWS
 * assigned automatically) and says that this is the source.
 *
 * One row per holding: an observation of the same resource holding the address as the latest row
 * extends that row (last_seen); another holder starts a new row. Between two observations the
 * holder is known only at the ends: a time between two different holders is answered as such.
 */
import type { Kysely } from "kysely";
import type { Database } from "./db/schema.ts";

export interface AddressObservation {
  publicIp: string;
  accountId: string;
  region: string;
  resourceKind: string;
  resourceId: string;
  resourceName?: string;
}

export interface AddressHolding extends AddressObservation {
  firstSeen: string;
  lastSeen: string;
}

/** What the history says about an address at a time. */
export type AddressAt =
  | { status: "held"; holding: AddressHolding }
  | { status: "between"; before?: AddressHolding; after?: AddressHolding }
  | { status: "unknown" };

type Db = Kysely<Database>;

function toHolding(r: Database["address_history"] extends infer T ? { [K in keyof T]: unknown } : never): AddressHolding {
  return {
    publicIp: String(r.public_ip),
    accountId: String(r.account_id),
    region: String(r.region),
    resourceKind: String(r.resource_kind),
    resourceId: String(r.resource_id),
    ...(r.resource_name ? { resourceName: String(r.resource_name) } : {}),
    firstSeen: String(r.first_seen),
    lastSeen: String(r.last_seen),
  };
}

/** Records one inventory's observations, all seen at `seenAt` (ISO 8601). Inside the store's write transaction. */
export async function recordAddressesTx(trx: Db, observations: AddressObservation[], seenAt: string): Promise<{ extended: number; started: number }> {
  let extended = 0;
  let started = 0;
  const unique = new Map(observations.map((o) => [o.publicIp, o]));
  for (const o of unique.values()) {
    const latest = await trx.selectFrom("address_history").selectAll().where("public_ip", "=", o.publicIp).orderBy("last_seen", "desc").orderBy("id", "desc").limit(1).executeTakeFirst();
    if (latest && latest.account_id === o.accountId && latest.resource_id === o.resourceId && latest.region === o.region) {
      if (seenAt > latest.last_seen) await trx.updateTable("address_history").set({ last_seen: seenAt }).where("id", "=", latest.id).execute();
      extended++;
      continue;
    }
    await trx
      .insertInto("address_history")
      .values({ public_ip: o.publicIp, account_id: o.accountId, region: o.region, resource_kind: o.resourceKind, resource_id: o.resourceId, resource_name: o.resourceName ?? null, first_seen: seenAt, last_seen: seenAt })
      .execute();
    started++;
  }
  return { extended, started };
}

/** Every recorded holding of an address, oldest first. */
export async function addressHoldings(db: Db, publicIp: string): Promise<AddressHolding[]> {
  const rows = await db.selectFrom("address_history").selectAll().where("public_ip", "=", publicIp).orderBy("first_seen", "asc").orderBy("id", "asc").execute();
  return rows.map((r) => toHolding(r));
}

/** Who held `publicIp` at `at`, as far as the history knows. */
export async function addressAt(db: Db, publicIp: string, at: string): Promise<AddressAt> {
  const rows = await addressHoldings(db, publicIp);
  if (rows.length === 0) return { status: "unknown" };
  const t = Date.parse(at);
  const held = rows.find((r) => Date.parse(r.firstSeen) <= t && t <= Date.parse(r.lastSeen));
  if (held) return { status: "held", holding: held };
  const before = rows.filter((r) => Date.parse(r.lastSeen) < t).pop();
  const after = rows.find((r) => Date.parse(r.firstSeen) > t);
  return { status: "between", ...(before ? { before } : {}), ...(after ? { after } : {}) };
}
