/**
 * The facts comparison of shared/tools/score-notices, for tests: the same field list, the same
 * normalisation (region names to codes, brackets off IPs, a trailing slash off URLs), the same
 * validity rules (a masked value is not an identifier, on either side) and the same time rule (the
 * same second). A fixture's expected facts are written as a careful reader would find them,
 * redactions included as written; this drops them exactly where the scorer does.
 */

/** The region names the scorer maps (its table, not ours: a name only we know would not count there). */
const REGION_NAMES: Record<string, string> = {
  "us east (n. virginia)": "us-east-1", "us east (ohio)": "us-east-2",
  "us west (n. california)": "us-west-1", "us west (oregon)": "us-west-2",
  "eu (ireland)": "eu-west-1", "europe (ireland)": "eu-west-1", "eu (london)": "eu-west-2",
  "europe (london)": "eu-west-2", "eu (paris)": "eu-west-3", "europe (paris)": "eu-west-3",
  "eu (frankfurt)": "eu-central-1", "europe (frankfurt)": "eu-central-1",
  "europe (stockholm)": "eu-north-1", "europe (milan)": "eu-south-1",
  "asia pacific (tokyo)": "ap-northeast-1", "asia pacific (seoul)": "ap-northeast-2",
  "asia pacific (osaka)": "ap-northeast-3", "asia pacific (singapore)": "ap-southeast-1",
  "asia pacific (sydney)": "ap-southeast-2", "asia pacific (mumbai)": "ap-south-1",
  "asia pacific (hong kong)": "ap-east-1", "south america (sao paulo)": "sa-east-1",
  "south america (são paulo)": "sa-east-1", "canada (central)": "ca-central-1",
  "middle east (bahrain)": "me-south-1", "africa (cape town)": "af-south-1",
};

const isIPv4 = (s: string) => /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(s);
const isIPv6 = (s: string) => s.includes(":") && /^[0-9a-f:.]+$/i.test(s) && s.split(":").length > 2;
const VALID: Record<string, (s: string) => boolean> = {
  instanceIds: (s) => /^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(s),
  publicIps: (s) => isIPv4(s) || isIPv6(s),
  remoteIps: (s) => isIPv4(s) || isIPv6(s),
  accessKeyIds: (s) => /^(AKIA|ASIA)[A-Z0-9]{16}$/.test(s),
  accountIds: (s) => /^\d{12}$/.test(s),
  destinationUrls: (s) => /^[a-z][a-z0-9+.-]*:\/\/[^\s]+$/i.test(s) && !/x{3,}|\*{2,}/i.test(s),
  regions: (s) => /^([a-z]{2}(-gov)?-[a-z]+-\d|global)$/.test(s),
};
export const LIST_FIELDS = [...Object.keys(VALID), "remotePorts"] as const;

type Facts = Record<string, unknown>;

const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** snake_case or camelCase keys; `window: {begin, end}` as beginTime / endTime. */
export function normalizeKeys(o: Record<string, unknown> | undefined): Facts {
  const out: Facts = {};
  for (const [k, v] of Object.entries(o ?? {})) out[camel(k)] = v;
  const w = out.window as { begin?: unknown; end?: unknown } | undefined;
  if (w && typeof w === "object") {
    out.beginTime ??= w.begin;
    out.endTime ??= w.end;
  }
  return out;
}

function normItem(field: string, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const o = v as Record<string, unknown>;
  let s = String(typeof v === "object" ? (o.value ?? o.id ?? o.url ?? JSON.stringify(v)) : v).trim();
  if (field === "regions") s = REGION_NAMES[s.toLowerCase()] ?? s.toLowerCase();
  if (field === "destinationUrls") s = s.replace(/\/$/, "");
  if (field === "publicIps" || field === "remoteIps") s = s.replace(/^\[|\]$/g, "").toLowerCase();
  return s;
}

type ListValue = Set<string | number> | { count: number };

function listOf(field: string, value: unknown): ListValue {
  if (field === "remotePorts") {
    if (value && typeof value === "object" && !Array.isArray(value)) return { count: Number((value as { count: unknown }).count) };
    if (typeof value === "string") {
      const m = /multiple\s*\((\d+)\)/i.exec(value) ?? /(\d+)\s+ports/i.exec(value);
      if (m) return { count: Number(m[1]) };
      return new Set(value.split(/[ ,]+/).filter((p) => /^\d+$/.test(p)).map(Number));
    }
    return new Set(((value as unknown[]) ?? []).map(Number).filter((n) => Number.isInteger(n) && n >= 0 && n < 65536));
  }
  const valid = VALID[field]!;
  const arr = Array.isArray(value) ? value : value ? [value] : [];
  return new Set(arr.map((v) => normItem(field, v)).filter((s): s is string => !!s && valid(s)));
}

/** Seconds since the epoch, as the scorer reads a time (`UTC`/`GMT` suffixes, `UTC+3`). */
export function scoreTime(s: unknown): number | null {
  if (!s || typeof s !== "string") return null;
  const t = s.trim().replace(/(\d)\s*(UTC|GMT)$/i, "$1Z").replace(/ UTC([+-]\d+)$/i, " GMT$1");
  let ms = Date.parse(t);
  if (Number.isNaN(ms)) ms = Date.parse(s.trim().replace(/^(\d{4}-\d\d-\d\d) (\d\d:\d\d(:\d\d)?)\s*(UTC|GMT|Z)?$/i, "$1T$2Z"));
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

export interface Comparison {
  /** What differed, one line per field, in the scorer's words. */
  diffs: string[];
  activityRight: boolean;
  tp: number;
  fp: number;
  fn: number;
}

/** Compares a parse (`parse --json` output) with a fixture's expected facts, field by field. */
export function compareFacts(expectedRaw: Record<string, unknown>, actualRaw: Record<string, unknown>): Comparison {
  const expected = normalizeKeys(expectedRaw);
  const actual = normalizeKeys(actualRaw);
  const diffs: string[] = [];
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const activityRight = !!expected.activityType && String(actual.activityType) === expected.activityType;
  if (!activityRight) diffs.push(`activityType ${String(actual.activityType)} != ${String(expected.activityType)}`);
  for (const field of LIST_FIELDS) {
    const exp = listOf(field, expected[field]);
    const act = listOf(field, actual[field]);
    if (!(exp instanceof Set) || !(act instanceof Set)) {
      const ec = exp instanceof Set ? null : exp.count;
      const ac = act instanceof Set ? null : act.count;
      if (ec !== null && ac === ec) tp++;
      else if (ec !== null || ac !== null) {
        if (ec !== null) fn++;
        if (ac !== null || (act instanceof Set && act.size)) fp++;
        diffs.push(`${field} ${JSON.stringify(ac ?? [...(act as Set<unknown>)])} != ${JSON.stringify(ec ?? [...(exp as Set<unknown>)])}`);
      }
      continue;
    }
    const miss = [...exp].filter((x) => !act.has(x));
    const extra = [...act].filter((x) => !exp.has(x));
    tp += exp.size - miss.length;
    fn += miss.length;
    fp += extra.length;
    if (miss.length || extra.length) diffs.push(`${field} missing ${JSON.stringify(miss)} extra ${JSON.stringify(extra)}`);
  }
  for (const field of ["caseNumber", "protocol"]) {
    const e = expected[field];
    const a = actual[field];
    if (e) {
      if (a && String(a).toUpperCase() === String(e).toUpperCase()) tp++;
      else {
        fn++;
        diffs.push(`${field} ${String(a)} != ${String(e)}`);
      }
    } else if (a) {
      fp++;
      diffs.push(`${field} ${String(a)} not expected`);
    }
  }
  for (const field of ["beginTime", "endTime"]) {
    const e = scoreTime(expected[field]);
    if (e === null) continue;
    const a = scoreTime(actual[field]);
    if (a === e) tp++;
    else {
      fn++;
      diffs.push(`${field} ${String(actual[field])} != ${String(expected[field])}`);
    }
  }
  return { diffs, activityRight, tp, fp, fn };
}
