/** Small translations shared by the service files: tags, times, base64, filters. */
import type { Tags } from "../model.ts";
import { chunk } from "../limits.ts";

/** AWS tag lists (`[{Key, Value}]`) -> a plain record. */
export function tagsOf(list: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Tags {
  const out: Tags = {};
  for (const t of list ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  return out;
}

/** A plain record -> AWS's tag list, in key order so requests are stable. */
export function tagList(tags: Tags): { Key: string; Value: string }[] {
  return Object.keys(tags)
    .sort()
    .map((Key) => ({ Key, Value: tags[Key]! }));
}

export function iso(d: Date | string | undefined): string | undefined {
  if (d === undefined) return undefined;
  return (d instanceof Date ? d : new Date(d)).toISOString();
}

export function fromBase64(s: string): string {
  return Buffer.from(s, "base64").toString("utf8");
}

export interface Filter {
  Name: string;
  Values: string[];
}

/** EC2 takes at most 200 values per filter; larger lists are split into several requests. */
export const MAX_FILTER_VALUES = 200;

/** Splits filters with too many values into several filter sets (the cross product of the chunks). */
export function splitFilters(filters: Filter[]): Filter[][] {
  let sets: Filter[][] = [[]];
  for (const f of filters) {
    const parts = chunk(f.Values, MAX_FILTER_VALUES);
    sets = sets.flatMap((set) => parts.map((Values) => [...set, { Name: f.Name, Values }]));
  }
  return sets;
}

/** Filters for `tag:Key = Value`, every one of which must match. */
export function tagFilters(tags: Tags | undefined): Filter[] {
  return Object.keys(tags ?? {})
    .sort()
    .map((k) => ({ Name: `tag:${k}`, Values: [tags![k]!] }));
}

export function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
