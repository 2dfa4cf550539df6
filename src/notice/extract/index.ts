/**
 * Text -> facts. Reads a notice's text (an e-mail body, a pasted copy, a Health event's
 * description) and reports every value to a NoticeBuilder with where it was found. The decisions
 * that weigh several findings (activity, kind, deadline) are made afterwards, in ../classify.ts.
 *
 * Where a value may be read is part of the rule: identifiers with an unambiguous shape (instance
 * ids, access keys, ARNs) anywhere (./identifiers.ts); addresses and ports only from labelled
 * fields and AWS's tables (./apply-fields.ts) and the reporter's logs (./reporter.ts); activity
 * from labelled fields and AWS's sentences (./sentences.ts) before the reporter's prose. AWS's
 * generic advice ("restrict 22 and 3389", `0.0.0.0/0`) matches none of these.
 */
import type { NoticeBuilder } from "./builder.ts";
import { readFields } from "./fields.ts";
import { assignZones, markFormZones } from "./sections.ts";
import { makeDoc, normalizeText } from "./text.ts";
import { Ctx, type TextInput, type TextSignals } from "./context.ts";
import { applyFields } from "./apply-fields.ts";
import { scanIdentifiers } from "./identifiers.ts";
import { readAwsSentences, readSubject } from "./sentences.ts";
import { readReporter } from "./reporter.ts";

export { NoticeBuilder, P } from "./builder.ts";
export type { TextInput, TextSignals } from "./context.ts";

export function extractText(input: TextInput, b: NoticeBuilder): TextSignals {
  const signals: TextSignals = { kinds: new Set(), hasReporterReport: false, reporterUrls: [] };
  const { text, truncated } = normalizeText(input.text);
  if (truncated) b.warn("the text is longer than 2 MiB; only its start was read");
  const doc = makeDoc(text);
  const firstReporter = assignZones(doc);
  const fields = readFields(doc);
  markFormZones(doc, fields);
  signals.hasReporterReport = firstReporter !== null || fields.some((f) => f.zone === "reporter");
  const ctx = new Ctx(doc, input, b);

  if (input.subject) readSubject(input.subject, ctx, signals);
  applyFields(fields, ctx);
  scanIdentifiers(ctx);
  readAwsSentences(ctx, signals);
  readReporter(ctx, fields, signals);
  return signals;
}
