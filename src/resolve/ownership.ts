/**
 * Who owns a resource, as its tags say. Teams spell the keys many ways (Owner, owner_email,
 * CreatedBy, team, Squad, env, Stage...): the key is folded (case, separators) and matched
 * against the spellings below, the first spelling found winning.
 */
import type { Tags } from "../cloud/model.ts";
import type { Ownership } from "./types.ts";

const SPELLINGS: Record<keyof Ownership, string[]> = {
  owner: ["owner", "owneremail", "ownername", "ownedby", "createdby", "creator", "contact", "technicalcontact", "maintainer", "responsible"],
  team: ["team", "teamname", "squad", "department", "dept", "businessunit", "tribe"],
  environment: ["environment", "env", "stage", "environmentname", "envname"],
  application: ["application", "app", "applicationname", "appname", "service", "servicename", "project", "component", "workload", "system"],
};

const fold = (k: string) => k.toLowerCase().replace(/[\s_.:/-]+/g, "");

export function ownershipOf(...sources: (Tags | undefined)[]): Ownership {
  const out: Ownership = {};
  for (const field of Object.keys(SPELLINGS) as (keyof Ownership)[]) {
    for (const tags of sources) {
      if (!tags) continue;
      const folded = new Map<string, string>();
      for (const [k, v] of Object.entries(tags)) if (v.trim() && !k.toLowerCase().startsWith("aws:")) folded.set(fold(k), v.trim());
      const hit = SPELLINGS[field].find((s) => folded.has(s));
      if (hit) {
        out[field] = folded.get(hit)!;
        break;
      }
    }
  }
  return out;
}

/** "owner alice@example.com, team payments, dev" (empty when the tags say nothing). */
export function describeOwnership(o: Ownership): string {
  const parts: string[] = [];
  if (o.owner) parts.push(`owner ${o.owner}`);
  if (o.team) parts.push(`team ${o.team}`);
  if (o.environment) parts.push(o.environment);
  if (o.application) parts.push(`app ${o.application}`);
  return parts.join(", ");
}
