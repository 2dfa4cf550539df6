/**
 * AWS's own words: the subject and the sentences of the notice (never the reporter's). Activity
 * ("resembles ...", "has been ...", "observed X activity"), the kind of letter (resolved, final,
 * follow-up), the family (exposed credentials, compromise, copyright, SES), case numbers, accounts
 * named in prose, where a key was published, deadlines, mitigations, "between X and Y".
 */
import type { ActivityType, Source } from "../types.ts";
import { ACCOUNT_COMPROMISED, ACCOUNT_USED, classifyHealthCode, classifyPhrase } from "./activity.ts";
import { P } from "./builder.ts";
import { findStatedDeadlines } from "./deadline.ts";
import { findMitigations } from "./mitigations.ts";
import { excerpt, lineAt } from "./text.ts";
import { findUrls, isAwsHelpLink } from "./urls.ts";
import { anyOf, gates, type Ctx, type TextSignals } from "./context.ts";
import { addAccount } from "./identifiers.ts";
import { findWindows } from "./windows.ts";
import { LEGITIMATE } from "./reporter.ts";

// each word starts with a letter: an event ARN's suffix (`..._REPORT_3223324344`) is not part of the code
const HEALTH_CODE = /\bAWS_(?:ABUSE|RISK)(?:_[A-Z][A-Z0-9]{0,30}){1,8}/g;
/** The Health console's event name on a line of its own: "Abuse port scanning report". */
const EVENT_TITLE = /^[ \t]*(?:AWS[ \t]+)?Abuse[ \t]+([A-Za-z][\w /&-]{2,50}?)[ \t]+report[ \t]*$/i;
const SUBJECT_CASE = /\[\s*(\d{8,14}(?:-\d{1,3})?)\s*\]|Abuse Report\s+#?(\d{8,14}(?:-\d{1,3})?)\b/i;
const DMCA_CASE = /\bAWS-DMCA-\d{1,10}\b/i;

/** The case and account a subject line carries: `Your AWS Abuse Report [12345678901] [AWS ID 111122223333]`. */
function subjectIds(s: string, ctx: Ctx, src: Source): void {
  const m = SUBJECT_CASE.exec(s.replace(/\[\s*AWS ID[^\]]*\]/gi, ""));
  if (m) ctx.b.offer("caseNumber", m[1] ?? m[2]!, P.subject, src);
  const d = DMCA_CASE.exec(s);
  if (d) ctx.b.offer("caseNumber", d[0].toUpperCase(), P.subject, src);
  const acct = /\bAWS\s*(?:ID|Account(?:\s*ID)?)\s*:?\s*([\d*x■-]{4,20})/i.exec(s);
  if (acct) addAccount(ctx, acct[1]!, src);
}

export function readSubject(subject: string, ctx: Ctx, signals: TextSignals): void {
  const s = subject.replace(/\s+/g, " ").trim();
  const src: Source = { part: "subject", excerpt: excerpt(s) };
  subjectIds(s, ctx, src);
  const phrase = /\b(?:has|have)\s+been\s+(?:involved\s+in\s+|used\s+(?:to|for)\s+)?([^.;[\]]{3,120})/i.exec(s) ?? /\bAbuse Report\s*[-:]\s*([A-Za-z][^[\]]{2,60})/i.exec(s);
  const type = phrase ? classifyPhrase(phrase[1]!) : null;
  if (type) ctx.b.offer("activity", { type, text: phrase![1]!.trim() }, P.subject, src);
  const lower = s.toLowerCase();
  const has: Has = (words) => anyOf(lower, words);
  kindSignals(s, has, signals);
  familySignals(s, has, ctx, () => src, signals);
  if (/^\s*(?:re|aw|sv|antw)\s*:/i.test(s)) signals.kinds.add("follow_up");
}

/** Each sentence pattern with a word that must occur for it to match (a cheap test first). */
const ACTIVITY_SENTENCES: { gate: readonly string[]; re: RegExp; weak?: boolean }[] = [
  { gate: gates(["resembl"]), re: /\b(?:resembles?|resembling)\s+([^.;\n]{3,200}(?:\n[^.;\n]{1,200})?)/gi },
  { gate: gates(["implicated"]), re: /\bimplicated\s+in\s+(?!activity\s+(?:which|that))([^.;]{3,200})/gi },
  { gate: gates(["been"]), re: /(?:^|\n)[ \t]*(?:has|have)\s+been\s+(?!implicated)([^.;\n]{3,200})/gi },
  { gate: gates(["been"]), re: /\byour\s+(?:AWS\s+)?(?:EC2\s+)?(?:instances?|resources?|account|IP(?:\s+address)?|servers?|hosts?|website|bucket|distribution)(?:\(s\))?\s+(?:has|have)\s+been\s+(?!implicated)([^.;]{3,200})/gi },
  { gate: gates(["observed"]), re: /\bobserved\s+([A-Za-z][\w /&-]{2,60}?)\s+activity\b/gi },
  { gate: gates(["involved", "participating", "engaged"]), re: /\b(?:is|are|was|were|has\s+been|have\s+been)\s+(?:involved|participating|engaged)\s+in\s+([^.;]{3,160})/gi },
  { gate: gates(["report"]), re: /\breport(?:s|ed|\(s\))?\s+(?:of\s+|for\s+|about\s+|regarding\s+|concerning\s+)?([a-z][\w /-]{2,40}?)\s+(?:activity\s+)?(?:originating\s+from|coming\s+from|from\s+(?:your\s+)?(?:instance|resource|account|ip|host))\b/gi },
  { gate: gates(["infected"]), re: /\bmay\s+be\s+(infected\s+with\s+malware)/gi, weak: true },
];

const KIND_PATTERNS: [readonly string[], RegExp, TextSignals["kinds"] extends Set<infer K> ? K : never][] = [
  [gates(["resolved", "closed"]), /\b(?:has|have)\s+been\s+investigated\s+and\s+resolved\b|\b(?:this|the|your)\s+(?:abuse\s+)?(?:case|report|issue)\s+(?:has\s+been|is\s+now|is)\s+(?:resolved|closed)\b|\bwe\s+(?:have\s+)?(?:resolved|closed)\s+(?:this|the|your)\s+(?:case|report)\b/i, "resolved"],
  [gates(["final"]), /\bFINAL\s+(?:NOTIFICATION|NOTICE|WARNING)\b/i, "final_notification"],
  [gates(["follow"]), /\bfollow(?:ing)?[\s-]*up\s+(?:on|with)\b/i, "follow_up"],
  [gates(["remind"]), /\breminder\b/i, "follow_up"],
  [gates(["have not", "haven't", "not heard"]), /\bhave\s+not\s+(?:yet\s+)?(?:received|heard)|\bhaven'?t\s+(?:yet\s+)?(?:received|heard)|\bnot\s+heard\s+back\b/i, "follow_up"],
  [gates(["no response"]), /\bno\s+response\s+(?:from\s+you|has\s+been)/i, "follow_up"],
  [gates(["outstanding", "previous", "recently sent", "additional abuse report"]), /\boutstanding\s+(?:ec2\s+)?abuse\s+reports?\b|\bprevious(?:ly)?\s+(?:notice|notification|e-?mail|report|correspondence|sent|notified|reported|informed)\b|\bwe\s+recently\s+sent\b|\b(?:received|another|an)\s+additional\s+abuse\s+report/i, "follow_up"],
  [gates(["still", "thank you for your", "in reviewing", "without confirmation"]), /\bwe\s+are\s+still\s+(?:seeing|receiving|observing)\b|\bthank\s+you\s+for\s+your\s+(?:reply|response)\b|\bin\s+reviewing\s+your\b|\bwithout\s+confirmation\s+that\s+the\s+matter\b/i, "follow_up"],
];

/** Whether the text holds one of the words: one pass for AWS's text (Ctx.anyAws), a search for a subject. */
type Has = (words: readonly string[]) => boolean;

function kindSignals(text: string, has: Has, signals: TextSignals): void {
  for (const [words, re, kind] of KIND_PATTERNS) if (has(words) && re.test(text)) signals.kinds.add(kind);
}

const CREDENTIALS = /(?:access\s+keys?|credentials?|secret\s+(?:access\s+)?keys?)\b[^.]{0,200}?\b(?:publicly\s+available|exposed|found\s+online|posted\s+publicly|published|leaked)|\bexpos(?:ed|ure\s+of)\s+(?:your\s+)?(?:aws\s+)?(?:iam\s+)?(?:credentials|access\s+keys?)/i;
const COMPROMISE = ACCOUNT_COMPROMISED;
const COPYRIGHT = /\bDMCA\b|\bDigital Millennium Copyright Act\b|\bcopyright(?:ed)?\s+(?:infringement|material|content|holder|owner|notice)|\binfring\w*\s+(?:the\s+|on\s+)?(?:copyright|intellectual\s+property)/i;
const SES = /\b(?:Amazon\s+)?SES\b|\bSimple\s+Email\s+Service\b/;
const SES_ACTION = /\bprobation|suspen(?:d|sion)|sending\s+(?:has\s+been\s+|is\s+)?paus|pause\s+(?:your\s+)?(?:the\s+)?(?:ability|sending)|enforcement|shut\s*down|bounce\s+rate|complaint\s+rate|vulnerable\s+site\s+review|under\s+review|sending\s+(?:quota|privileges)/i;

/** Where a match at `index` was read (the subject has no lines: one source for all of it). */
type At = (index: number) => Source;

const G_CRED = gates(["key", "credential"]);
const G_COMPROMISE = gates(["compromis", "unauthori"]);
const G_USED = gates(["unauthori", "suspicious", "unusual", "irregular", "anomalous", "abnormal", "malicious"]);
const G_COPYRIGHT = gates(["dmca", "copyright", "infring"]);
const G_SES = gates(["ses", "simple email"]);
const G_DEADLINE = gates(["within", "by", "before", "later than", "until"]);
const G_MITIGATION = gates(["block", "limit", "quarantin", "paus", "suspend", "disabl", "denied"]);
const G_ABUSE = gates(["abuse "]);
const G_CASE = gates(["case"]);
const G_DMCA = gates(["aws-dmca"]);
const G_ACCOUNT = gates(["account"]);
const G_URL = gates(["://"]);
const G_CODE = gates(["aws_"]);

function familySignals(text: string, has: Has, ctx: Ctx, at: At, signals: TextSignals): void {
  const cred = has(G_CRED) ? CREDENTIALS.exec(text) : null;
  if (cred) {
    signals.kinds.add("credentials_exposed");
    ctx.b.offer("activity", { type: "credentials_exposed" as ActivityType, text: cred[0].replace(/\s+/g, " ") }, P.family, at(cred.index));
  }
  const c = has(G_COMPROMISE) ? COMPROMISE.exec(text) : null;
  // the account seen used by someone else: a compromise, the stronger kind, over a key that was only published
  const used = has(G_USED) ? ACCOUNT_USED.exec(text) : null;
  if (used) {
    signals.kinds.add("account_compromise");
    signals.accountUsed = true;
    // worded as the letter's own compromise phrase when it has one ("Account may still be compromised")
    const words = c ?? used;
    ctx.b.offer("activity", { type: "account_compromise" as ActivityType, text: words[0].replace(/\s+/g, " ") }, P.family - 0.5, at(words.index));
  }
  if (c) {
    signals.kinds.add("account_compromise");
    ctx.b.offer("activity", { type: "account_compromise" as ActivityType, text: c[0] }, P.family + 0.5, at(c.index));
  }
  const cr = has(G_COPYRIGHT) ? COPYRIGHT.exec(text) : null;
  if (cr) ctx.b.offer("activity", { type: "copyright" as ActivityType, text: cr[0] }, P.family + 0.8, at(cr.index));
  const ses = has(G_SES) ? SES.exec(text) : null;
  if (ses && SES_ACTION.test(text)) {
    signals.kinds.add("ses_enforcement");
    // what the letter blames: unwanted or unsolicited mail, bounces, complaints, an abused web form
    const phrase = /unwanted\s+sending|unsolicited[^.]{0,60}|spam\w*|bounce\s+rate|complaint\s+rate|vulnerable\s+site\s+review|phish\w*/i.exec(text);
    const type = phrase ? classifyPhrase(phrase[0]) ?? "spam_email" : "spam_email";
    ctx.b.offer("activity", { type: type === "crawling" || type === "web_attack" ? "spam_email" : type, text: phrase ? phrase[0] : "Amazon SES enforcement" }, P.family + 0.7, at(phrase ? phrase.index : ses.index));
  }
}

export function readAwsSentences(ctx: Ctx, signals: TextSignals): void {
  const { b } = ctx;
  const aws = ctx.awsText;
  for (const { gate, re, weak } of ACTIVITY_SENTENCES) {
    if (!ctx.anyAws(gate)) continue;
    for (const m of aws.matchAll(re)) {
      const phrase = m[1]!.replace(/\s+/g, " ").trim();
      const type = classifyPhrase(phrase);
      const src = ctx.srcAt(m.index + m[0].indexOf(m[1]!), undefined);
      if (type) b.offer("activity", { type, text: phrase }, weak ? P.weak : P.sentence, src);
      else if (/^(?:hosting|operating|activity|content|a website)/i.test(phrase)) b.offer("activity", { type: "other" as ActivityType, text: phrase }, P.weak + 0.5, src);
    }
  }
  const has: Has = (words) => ctx.anyAws(words);
  kindSignals(aws, has, signals);
  familySignals(aws, has, ctx, (i) => ctx.srcAt(i), signals);

  // an AWS Health event code written in the text (a copied event, an EventBridge rule's e-mail)
  // names the activity as surely as a labelled field; so does the console's title "Abuse port scanning report"
  if (ctx.anyAws(G_CODE)) for (const m of aws.matchAll(HEALTH_CODE)) {
    const type = classifyHealthCode(m[0]);
    if (type) b.offer("activity", { type, text: m[0] }, P.label, ctx.srcAt(m.index));
  }
  // only the lines that start with "Abuse" are tried (found with indexOf, not a pass of the pattern over the text)
  // one search for "abuse " serves two rules on the lines it finds:
  // the console's title ("Abuse port scanning report") and the subject line copied into the body
  // under a mail client's own label ("件名: Your AWS Abuse Report [...]")
  let lastLine = -1;
  if (ctx.anyAws(G_ABUSE)) for (let at = ctx.awsLower.indexOf("abuse "); at >= 0; at = ctx.awsLower.indexOf("abuse ", at + 6)) {
    const i = lineAt(ctx.doc, at);
    if (i === lastLine) continue;
    lastLine = i;
    const line = ctx.doc.lines[i]!;
    if (line.length > 300) continue;
    if (line.length <= 80 && /report\s*$/i.test(line)) {
      const m = EVENT_TITLE.exec(line);
      const type = m ? classifyPhrase(m[1]!) : null;
      if (type) b.offer("activity", { type, text: line.trim() }, P.sentence, ctx.src(i));
    }
    if (line.includes("[") && /Abuse Report\b[^\n]{0,40}\[/i.test(line)) subjectIds(line, ctx, ctx.src(i));
  }

  // case numbers written in sentences
  if (ctx.anyAws(G_CASE)) for (const m of aws.matchAll(/\b(?:opened\s+case|case(?:\s+(?:number|no\.?|id))?\s*[:#]?\s*#?)\s*(\d{6,14}(?:-\d{1,3})?)(?![\w-])/gi)) b.offer("caseNumber", m[1]!, P.sentence, ctx.srcAt(m.index));
  if (ctx.anyAws(G_DMCA)) for (const m of aws.matchAll(/\bAWS-DMCA-\d{1,10}\b/gi)) b.offer("caseNumber", m[0].toUpperCase(), P.sentence, ctx.srcAt(m.index));
  // a bare "<11 digits>-<n>" is a case number only when nothing better names one
  if (!b.best("caseNumber")) for (const m of aws.matchAll(/(?<![\w-])(\d{11}-\d{1,3})(?![\w-])/g)) b.offer("caseNumber", m[1]!, P.weak, ctx.srcAt(m.index));

  // accounts written in sentences: "from account xxxx370", "account (****-****-6006)", "AWS account 1234..."
  if (ctx.anyAws(G_ACCOUNT)) for (const m of aws.matchAll(/\b(?:aws\s+)?account\s+(?:id\s+|number\s+)?(?:is\s+)?\(?([\d*x■#-]{4,20})\)?(?![\w*■#-])/gi)) {
    const v = m[1]!;
    if (/\d{12}|[*x■#]/i.test(v) || /^\d{4}-\d{4}-\d{4}$/.test(v) || /^\d{6,16}$/.test(v)) addAccount(ctx, v, ctx.srcAt(m.index));
  }

  // URLs in AWS's words that are not its own help links (kept by the classifier for an exposed-credentials letter,
  // whose 'Access Key / Web Site' table a narrow copy may have broken into lines)
  const hasUrls = ctx.anyAws(G_URL);
  if (hasUrls) {
    const urls = (signals.awsUrls ??= []);
    for (const { url, index } of findUrls(aws)) {
      if (isAwsHelpLink(url) || urls.length >= 50) continue;
      // "imitates the legitimate site https://...", "the original work at https://...": not the incident's
      if (LEGITIMATE.test(aws.slice(Math.max(0, index - 100), index).replace(/\s+/g, " "))) continue;
      urls.push({ url, source: ctx.srcAt(index) });
    }
  }

  // URLs where a key or content was published
  if (hasUrls) for (const m of aws.matchAll(/\b(?:publicly\s+available\s+online\s+at|available\s+(?:online\s+)?at|found\s+at|posted\s+(?:publicly\s+)?(?:at|on)|located\s+at)\s*:?\s*((?:https?|hxxps?):\/\/\S+)/gi)) {
    const u = findUrls(m[1]!)[0]?.url;
    if (u && !isAwsHelpLink(u)) b.add("destinationUrls", u, ctx.srcAt(m.index));
  }

  // deadlines
  const stated = ctx.anyAws(G_DEADLINE) ? findStatedDeadlines(aws, ctx.reference) : [];
  for (const d of stated) b.offer("deadline", d, P.sentence, ctx.srcAt(d.index));

  // mitigations: AWS's lines only
  if (ctx.anyAws(G_MITIGATION)) for (let i = 0; i < ctx.doc.lines.length; i++) {
    if (ctx.doc.zones[i] !== "aws") continue;
    const line = ctx.doc.lines[i]!;
    if (line.length > 2000) continue;
    for (const mit of findMitigations(line, ctx.src(i))) {
      if (b.mitigations.some((x) => x.text === mit.text)) continue;
      b.mitigations.push(mit);
    }
  }

  // the activity window stated in words: "between January 22 and February 4", "from Dec 28 to Jan 3"
  readWindow(ctx);
}

/**
 * The first window AWS states in its own words; else the first the reporter states (outranking only
 * the reporter's log timestamps). In a Health event's description the stated window is the
 * activity's and outranks the event's own start and end (when AWS opened and closed the event).
 */
function readWindow(ctx: Ctx): void {
  const { doc } = ctx;
  let reporter: { w: ReturnType<typeof findWindows>[number]; line: number } | null = null;
  for (const w of findWindows(doc.text, ctx.reference)) {
    const line = lineAt(doc, w.index);
    if (doc.zones[line] === "reporter") {
      reporter ??= { w, line };
      continue;
    }
    const pri = ctx.input.part === "event" ? P.event - 1 : P.sentence + 1;
    const src = ctx.src(line);
    ctx.b.offer("begin", w.begin, pri, src);
    ctx.b.offer("end", w.end, pri, src);
    return;
  }
  if (reporter) {
    const src = ctx.src(reporter.line);
    ctx.b.offer("begin", reporter.w.begin, P.reporterText, src);
    ctx.b.offer("end", reporter.w.end, P.reporterText, src);
  }
}
