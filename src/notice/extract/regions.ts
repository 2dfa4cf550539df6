/**
 * AWS regions: the one table of codes and the names AWS writes for them ("US East (N. Virginia)",
 * "Europe (Ireland)", older "EU (Ireland)"), and the pattern of a region code.
 */

/** code -> the names AWS has used for it in the console, notices and SES letters. */
const REGIONS: Record<string, string[]> = {
  "us-east-1": ["US East (N. Virginia)", "US East (Northern Virginia)", "US Standard", "N. Virginia", "Northern Virginia"],
  "us-east-2": ["US East (Ohio)"],
  "us-west-1": ["US West (N. California)", "US West (Northern California)"],
  "us-west-2": ["US West (Oregon)"],
  "af-south-1": ["Africa (Cape Town)"],
  "ap-east-1": ["Asia Pacific (Hong Kong)"],
  "ap-east-2": ["Asia Pacific (Taipei)"],
  "ap-south-1": ["Asia Pacific (Mumbai)"],
  "ap-south-2": ["Asia Pacific (Hyderabad)"],
  "ap-southeast-1": ["Asia Pacific (Singapore)"],
  "ap-southeast-2": ["Asia Pacific (Sydney)"],
  "ap-southeast-3": ["Asia Pacific (Jakarta)"],
  "ap-southeast-4": ["Asia Pacific (Melbourne)"],
  "ap-southeast-5": ["Asia Pacific (Malaysia)"],
  "ap-southeast-7": ["Asia Pacific (Thailand)"],
  "ap-northeast-1": ["Asia Pacific (Tokyo)"],
  "ap-northeast-2": ["Asia Pacific (Seoul)"],
  "ap-northeast-3": ["Asia Pacific (Osaka)", "Asia Pacific (Osaka-Local)"],
  "ca-central-1": ["Canada (Central)"],
  "ca-west-1": ["Canada West (Calgary)"],
  "eu-central-1": ["Europe (Frankfurt)", "EU (Frankfurt)"],
  "eu-central-2": ["Europe (Zurich)", "EU (Zurich)"],
  "eu-west-1": ["Europe (Ireland)", "EU (Ireland)"],
  "eu-west-2": ["Europe (London)", "EU (London)"],
  "eu-west-3": ["Europe (Paris)", "EU (Paris)"],
  "eu-south-1": ["Europe (Milan)", "EU (Milan)"],
  "eu-south-2": ["Europe (Spain)", "EU (Spain)"],
  "eu-north-1": ["Europe (Stockholm)", "EU (Stockholm)"],
  "il-central-1": ["Israel (Tel Aviv)"],
  "me-south-1": ["Middle East (Bahrain)"],
  "me-central-1": ["Middle East (UAE)"],
  "mx-central-1": ["Mexico (Central)"],
  "sa-east-1": ["South America (Sao Paulo)", "South America (São Paulo)"],
  "us-gov-west-1": ["AWS GovCloud (US-West)", "AWS GovCloud (US)"],
  "us-gov-east-1": ["AWS GovCloud (US-East)"],
  "cn-north-1": ["China (Beijing)"],
  "cn-northwest-1": ["China (Ningxia)"],
};

/** A region code as AWS writes it (`eu-west-1`, `us-gov-west-1`, `ap-southeast-5`). */
const REGION_CORE = String.raw`(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d{1,2}`;
export const REGION_CODE = new RegExp(String.raw`(?<![\w-])${REGION_CORE}(?![\w-])`, "g");

/** An Availability Zone (`us-east-1a`): its region is the code without the letter. */
const AZ_CODE = new RegExp(String.raw`(?<![\w-])(${REGION_CORE})[a-z](?![\w-])`, "g");
/** A digit and a letter after a dash: the only texts worth a pass for zones (a literal-led pattern, cheap to scan). */
const AZ_HINT = /-\d{1,2}[a-z](?![\w-])/;

const NAME_TO_CODE = new Map<string, string>();
for (const [code, names] of Object.entries(REGIONS)) for (const n of names) NAME_TO_CODE.set(key(n), code);

function key(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9()]+/g, " ")
    .replace(/\s*\(\s*/g, " (")
    .replace(/\s*\)/g, ")")
    .trim();
}

/**
 * Region names as a pattern: "<Area> (<Place>)" with the areas AWS uses. Matching the general
 * shape and then looking the name up keeps the pattern small and the table the single authority.
 */
// a name may be broken across two lines by a hard-wrapped copy ("US East (N.\nVirginia)")
export const REGION_NAME = /\b(?:US\s+(?:East|West)|Europe|EU|Asia\s+Pacific|South\s+America|Canada(?:\s+West)?|Middle\s+East|Africa|Israel|Mexico|China|AWS\s+GovCloud)\s*\([^()]{2,30}\)/gi;

const PAREN = /\([A-Z][^()]{1,29}\)/g;

/** `US East (N. Virginia)` -> `us-east-1`; a code is returned as itself; unknown -> null. */
export function regionCode(text: string): string | null {
  const t = text.trim();
  if (/^global$/i.test(t)) return "global";
  if (isRegionCode(t.toLowerCase())) return t.toLowerCase();
  const az = /^(.+-\d{1,2})[a-z]$/.exec(t.toLowerCase());
  if (az && isRegionCode(az[1]!)) return az[1]!;
  return NAME_TO_CODE.get(key(t)) ?? null;
}

const REGION_CODE_WHOLE = new RegExp(`^(?:${REGION_CODE.source})$`);

/** Whole-string test. (Not the global REGION_CODE: exec would leave its lastIndex behind for the next matchAll.) */
export function isRegionCode(s: string): boolean {
  return REGION_CODE_WHOLE.test(s);
}

/** Every region (code or name) written in `s`, as codes, with their offsets. */
export function findRegions(s: string): { code: string; index: number; text: string }[] {
  const out: { code: string; index: number; text: string }[] = [];
  for (const m of s.matchAll(REGION_CODE)) out.push({ code: m[0], index: m.index, text: m[0] });
  if (AZ_HINT.test(s)) for (const m of s.matchAll(AZ_CODE)) out.push({ code: m[1]!, index: m.index, text: m[0] });
  // find "(Place)" first (a literal the regex engine scans for quickly), then look at the area before it
  for (const m of s.matchAll(PAREN)) {
    const from = Math.max(0, m.index - 24);
    const before = s.slice(from, m.index + m[0].length);
    for (const n of before.matchAll(REGION_NAME)) {
      if (n.index + n[0].length !== before.length) continue;
      const code = regionCode(n[0]);
      if (code) out.push({ code, index: from + n.index, text: n[0] });
    }
  }
  return out.sort((a, b) => a.index - b.index);
}
