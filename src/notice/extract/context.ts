/**
 * The state one text extraction shares: the document and its zones, AWS's text and the
 * reporter's (each with the other blanked so offsets still map to lines), and where a value was read.
 */
import type { Source } from "../types.ts";
import type { NoticeBuilder } from "./builder.ts";
import { excerpt, lineAt, type TextDoc, type Zone } from "./text.ts";
import { findTime } from "./times.ts";

export interface TextInput {
  text: string;
  subject?: string | null;
  /** What AWS's own lines are, as a Source part: the mail body or a Health event's description. */
  part: "body" | "event";
  /** Label recorded on every source (`eventDescription` for Health descriptions). */
  label?: string;
  /** The message date: the year of year-less times, the start of the default deadline. */
  reference: Date | null;
}

/** Signals the classifier weighs; the values themselves went to the builder. */
export interface TextSignals {
  kinds: Set<"resolved" | "final_notification" | "follow_up" | "credentials_exposed" | "account_compromise" | "ses_enforcement">;
  hasReporterReport: boolean;
  /** URLs in the reporter's prose, kept only when the activity is about content. */
  reporterUrls: { url: string; source: Source }[];
  /**
   * AWS says it saw the account used by someone else (activity.ts ACCOUNT_USED): the letter is an
   * account compromise even when it also names an exposed key.
   */
  accountUsed?: boolean;
  /** URLs in AWS's own text that are not AWS's help links: where a key was published, in an exposed-credentials letter. */
  awsUrls?: { url: string; source: Source }[];
}

/** Shared state of one extraction. */
export class Ctx {
  readonly awsText: string;
  /** AWS's text lower-cased, for cheap substring gates before the patterns run. */
  readonly awsLower: string;
  readonly reporterText: string;
  constructor(
    readonly doc: TextDoc,
    readonly input: TextInput,
    readonly b: NoticeBuilder,
  ) {
    // same length as the text, with the other zone blanked, so offsets still map to lines
    this.awsText = maskZone(doc, "reporter");
    this.awsLower = this.awsText.toLowerCase();
    this.reporterText = doc.zones.includes("reporter") ? maskZone(doc, "aws") : "";
  }
  /** One Source per line and label: a field and the values read from it share it (fewer objects to keep). */
  private sources = new Map<string, Source>();
  src(line: number, label?: string, text?: string): Source {
    const l = label ?? this.input.label;
    const key = text === undefined ? `${line}\u0000${l ?? ""}` : null;
    if (key !== null) {
      const hit = this.sources.get(key);
      if (hit) return hit;
    }
    const zone = this.doc.zones[line] ?? "aws";
    const s: Source = { part: zone === "reporter" ? "forwarded" : this.input.part, line: line + 1, excerpt: excerpt(text ?? this.doc.lines[line] ?? "") };
    if (l) s.label = l;
    if (key !== null) this.sources.set(key, s);
    return s;
  }
  srcAt(offset: number, label?: string): Source {
    return this.src(lineAt(this.doc, offset), label);
  }
  private gatesFound: Set<string> | null = null;
  /** True when AWS's text contains one of `words` (lower case): registered gate words from one pass, others by search. */
  anyAws(words: readonly string[]): boolean {
    if (!this.gatesFound) {
      const found = (this.gatesFound = new Set<string>());
      const re = compiledGates();
      for (const m of this.awsLower.matchAll(re)) {
        if (found.has(m[1]!)) continue;
        found.add(m[1]!);
        for (const p of gatePrefixes.get(m[1]!)!) found.add(p);
      }
    }
    for (const w of words) if (GATES.has(w) ? this.gatesFound.has(w) : this.awsLower.includes(w)) return true;
    return false;
  }

  private textReference: Date | null | undefined;
  /**
   * The date year-less times take their year from: the message date; for a text without one, the
   * latest time in the text written with its year (a log line "2024-05-03 04:12:10" dates the
   * "May  3 04:12:01" beside it). Found once, when a year-less time first needs it.
   */
  get reference(): Date | null {
    if (this.input.reference) return this.input.reference;
    if (this.textReference === undefined) this.textReference = latestDatedTime(this.doc);
    return this.textReference;
  }
}

function latestDatedTime(doc: TextDoc): Date | null {
  let best: number | null = null;
  let tried = 0;
  for (const line of doc.lines) {
    if (line.length > 2000 || !/(?:19|20)\d\d/.test(line)) continue;
    if (++tried > 300) break;
    const t = findTime(line);
    if (t && !t.yearInferred && (best === null || t.ms > best)) best = t.ms;
  }
  return best === null ? null : new Date(best);
}

function maskZone(doc: TextDoc, blank: Zone): string {
  if (!doc.zones.includes(blank)) return doc.text;
  return doc.lines.map((l, i) => (doc.zones[i] === blank ? " ".repeat(l.length) : l)).join("\n");
}

/** True when `lower` (lower-cased text) contains one of `words`: a substring search, much cheaper than a regular expression pass. */
export function anyOf(lower: string, words: readonly string[]): boolean {
  for (const w of words) if (lower.includes(w)) return true;
  return false;
}

/**
 * Gate words: the cheap tests the extractors run on AWS's text before a pattern ("resembl" before
 * the "resembles ..." sentence). Some fifty of them, each a scan of the whole text, cost more than
 * the patterns they guard; registered here (by the modules that use them, at load), they are all
 * found in one pass per text (Ctx.anyAws).
 */
const GATES = new Set<string>();
let gatePattern: RegExp | null = null;
/** For each gate word, the gate words that are its prefixes: found at the same place, hidden by it. */
let gatePrefixes = new Map<string, string[]>();

export function gates<T extends readonly string[]>(words: T): T {
  for (const w of words) {
    if (w !== w.toLowerCase()) throw new Error(`gate words are lower case: ${w}`);
    if (!GATES.has(w)) {
      GATES.add(w);
      gatePattern = null;
    }
  }
  return words;
}

function compiledGates(): RegExp {
  if (gatePattern) return gatePattern;
  const words = [...GATES].sort((a, b) => b.length - a.length);
  gatePrefixes = new Map(words.map((w) => [w, words.filter((p) => p !== w && w.startsWith(p))]));
  // a look-ahead finds a word at every place it starts, overlapping ones included
  gatePattern = new RegExp(`(?=(${words.map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")}))`, "g");
  return gatePattern;
}
