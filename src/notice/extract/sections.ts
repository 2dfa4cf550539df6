/**
 * Who wrote which line: AWS (its notice text, its auto-detected details) or the third-party
 * reporter whose report AWS forwards. Ports, IPs and URLs in a reporter's prose and logs are read
 * with more care than AWS's labelled lines, and generic advice in AWS's prose is not read at all.
 */
import type { TextDoc } from "./text.ts";
import type { RawField } from "./fields.ts";

/**
 * Where the reporter's text begins. Each pattern is either anchored at the line's start or led by
 * a literal word, so a line that is not a separator fails fast (this runs on every line that
 * mentions a report).
 */
// "---Beginning of forwarded report(s)---" at a line's start, or glued to the end of AWS's last
// sentence by HTML-to-text ("...for your review.---Beginning of..."): checked around the match
const BEGINNING = /beginning\s+of\s+forwarded\s+report/i;
const FORWARD_START: RegExp[] = [
  /provided\s+by\s+(?:the\s+)?original\s+(?:abuse\s+)?reporter/i,
  /^[\s-]*(?:original|forwarded)\s+(?:abuse\s+)?report(?:\(s\))?\s*(?:follows|below)?\s*:?\s*-*\s*$/i,
  /^\s*-{2,}\s*(?:start|begin)\s+of\s+(?:the\s+)?(?:original\s+)?(?:abuse\s+)?report/i,
  // an introduction on a line of its own: "The complaint reads:", "The report is included below"
  /^\s*(?:the\s+)?(?:original\s+|third[- ]party\s+|abuse\s+)?(?:complaint|report|notice)(?:\(s\))?\s+(?:reads|follows|states|is\s+(?:included\s+|copied\s+|quoted\s+)?below|is\s+as\s+follows)\s*:?\s*$/i,
];
// "We received the following report:" (tested only when "following" / "below is" occurs)
const FOLLOWING = /\b(?:the\s+following|below\s+is\s+the)\s+(?:original\s+|third[- ]party\s+)?(?:complaint|abuse\s+report|report|notice)(?:\(s\))?\s*:\s*$/i;

function startsReport(l: string): boolean {
  const b = BEGINNING.exec(l);
  if (b) {
    const before = l.slice(0, b.index).replace(/[\s*>-]+$/, "");
    if (before === "" || /[.!?:"')]$/.test(before)) return true;
  }
  if (FORWARD_START.some((re) => re.test(l))) return true;
  return (l.includes("ollowing") || l.includes("elow is")) && FOLLOWING.test(l);
}

/** Cheap test before the patterns: every separator names a report; an introduction of a complaint or notice ends the line with a colon or "reads"/"follows"/"below". */
function mayIntroduceReport(l: string): boolean {
  if (l.includes("eport")) return true;
  // the line's last character first (no scan of the line): most lines end otherwise
  let e = l.length;
  while (e > 0 && l.charCodeAt(e - 1) <= 32) e--;
  const last = l.charCodeAt(e - 1);
  if (last !== 58 /* : */ && last !== 115 /* s */ && last !== 119 /* w */) return false;
  const end = l.slice(Math.max(0, e - 8), e);
  if (last !== 58 && !(end.endsWith("reads") || end.endsWith("follows") || end.endsWith("below") || end.endsWith("states"))) return false;
  return l.includes("omplaint") || l.includes("otice");
}

/** Marks the reporter's lines. Returns the first reporter line, or null. */
export function assignZones(doc: TextDoc): number | null {
  const { lines, zones } = doc;
  let first: number | null = null;
  let reporter = false;
  let inBlock = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    // every separator mentions a report, a complaint or a notice: test the patterns only on such lines
    if (!reporter && l.length < 400 && mayIntroduceReport(l) && startsReport(l)) {
      reporter = true;
      // the reporter's fields glued to the separator line (HTML turned to text) are the reporter's too
      const glued = /reporter(?:\(s\)|s)?\s*:\s*\S/i.test(l);
      first ??= glued || i + 1 >= lines.length ? i : i + 1;
      zones[i] = glued ? "reporter" : "aws";
      continue;
    }
    const t = l.trimStart();
    if (t.startsWith("<<<")) inBlock = true;
    if (reporter || inBlock) {
      zones[i] = "reporter";
      first ??= i;
    }
    if (inBlock && l.includes(">>>")) inBlock = false;
  }
  return first;
}

/**
 * A reporter's web-form submission (`Abuse type*:`, `Source IPs (comma separated)*:`, `Logs (4KB
 * max)*:`) is the reporter's even when nobody pasted the AWS text around it.
 */
export function markFormZones(doc: TextDoc, fields: RawField[]): void {
  const form = fields.filter((f) => f.starred);
  if (form.length < 3) return;
  const from = form[0]!.line;
  let to = form[form.length - 1]!.line;
  for (const f of fields) if (f.line >= from && f.multiline && f.line <= to) to = Math.max(to, f.line + f.value.split("\n").length);
  // the fields that follow the last starred one in the same block (Comments, tracking number)
  for (const f of fields) if (f.line > to && f.line <= to + 12 && !f.fromTable) to = f.line;
  for (let i = from; i <= to && i < doc.lines.length; i++) doc.zones[i] = "reporter";
  for (const f of fields) if (f.line >= from && f.line <= to) f.zone = "reporter";
}
