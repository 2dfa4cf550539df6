/**
 * verify(item): is this notice genuinely from AWS? Returns a Verdict with reasons; never throws.
 *
 * The checks, each in its own module, each returning reasons:
 * - where the notice came from (pasted text, a mail client's copy of a message, and Health event
 *   files can never be proven);
 * - mail authentication (auth.ts: DKIM, SPF, ARC, DMARC with mailauth) of the message, or of the
 *   original attached to a forward;
 * - the sender (sender.ts), links and hosts (links.ts), requests and attachments (content.ts).
 * The verdict follows from the reasons alone (reasons.ts `decide`).
 */
import type { MailView, Notice, ParsedItem } from "../notice/types.ts";
import { isMailClientCopy } from "../notice/detect.ts";
import { authenticateMail } from "./auth.ts";
import { checkAttachments, checkRequests, splitQuoted } from "./content.ts";
import { isAwsSendingDomain } from "./hosts.ts";
import { checkLinks, hostsIn, urlsIn, type Link } from "./links.ts";
import { decide, PROOF_CODES, reason } from "./reasons.ts";
import { checkClaimedSender, checkSender } from "./sender.ts";
import type { AuthResults, Reason, Verdict, VerifyOptions } from "./types.ts";

const SEVERITY_RANK: Record<Reason["severity"], number> = { fail: 0, warn: 1, pass: 2, info: 3 };
/** Text beyond this is not scanned for requests and hosts (a notice is a few kilobytes; this bounds a hostile one). */
const MAX_SCAN = 512 * 1024;

export async function verify(item: ParsedItem, opts: VerifyOptions = {}): Promise<Verdict> {
  try {
    return await verifyItem(item, opts);
  } catch (err) {
    return {
      verdict: "unverified",
      reasons: [reason("verify.error", `The verifier failed on this input (${(err as Error)?.message ?? String(err)}); treat the notice as unverified.`)],
      auth: null,
    };
  }
}

async function verifyItem(item: ParsedItem, opts: VerifyOptions): Promise<Verdict> {
  const reasons: Reason[] = [];
  const notice = item.notice;
  let auth: AuthResults | null = null;
  let provable = false;
  let text: string;
  let links: Link[];

  if (item.format === "email") {
    const mail = item.mail ?? (await viewOf(item.raw));
    const r = await verifyMail(item.raw, mail, notice, opts);
    reasons.push(...r.reasons);
    auth = r.auth;
    provable = r.provable;
    text = r.inner ? `${mail.text}\n${r.inner.text}` : mail.text;
    links = r.inner ? [...mail.links, ...r.inner.links] : mail.links;
    reasons.push(...checkAttachments(r.inner ? [...mail.attachments, ...r.inner.attachments] : mail.attachments));
  } else {
    text = item.raw.toString("utf8", 0, Math.min(item.raw.length, MAX_SCAN));
    // an event's words are its descriptions; its other fields ("source": "aws.health") are names, not prose
    if (item.format === "health-event") text = healthText(text);
    links = urlsIn(text);
    if (item.format === "health-event") {
      const h = notice.health;
      if (h?.fetchedFromApi) {
        provable = true;
        reasons.push(reason("source.health_api", "abuse-desk fetched this event from the AWS Health API with your credentials: it comes from AWS."));
      } else {
        reasons.push(reason("source.health_file", "An AWS Health event given as a file or pasted cannot be proven; fetch it from the AWS Health API (or check the Health dashboard) to be sure."));
      }
      if (h?.source && h.source !== "aws.health") {
        reasons.push(reason("health.source_not_aws", `The event's source is "${h.source}", not "aws.health": it is a mock or hand-made event, not one AWS sent.`));
      }
    } else {
      if (item.format === "text" && isMailClientCopy(text)) {
        reasons.push(
          reason(
            "source.mail_copy",
            "This is a copy of a message pasted from a mail client (From:/Sent:/To:/Subject: lines, no Received, Message-ID or Date header), not the message itself: a copy carries no signature, so it cannot be proven or disproven; verify the original message (save it as .eml, or \"Show original\") instead.",
          ),
        );
      } else {
        reasons.push(
          reason(
            "source.pasted_text",
            item.format === "health-console"
              ? "Text copied from the Health console carries no signature: check the event in the console itself."
              : "Pasted text carries no signature, so it cannot be proven to come from AWS; verify the original e-mail (.eml) instead.",
          ),
        );
      }
      reasons.push(...checkClaimedSender(notice.from));
    }
  }

  const scanned = text.length > MAX_SCAN ? text.slice(0, MAX_SCAN) : text;
  const quoted = [notice.logExtract ?? "", ...Object.values(notice.reporterFields ?? {})].filter(Boolean);
  const { own, reported } = splitQuoted(scanned, quoted);
  reasons.push(...checkLinks(links, own, { reported: reportedHosts(notice, reported) }));
  reasons.push(...checkRequests(own));

  const unique = dedupe(reasons).sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  return { verdict: decide(unique, provable), reasons: unique, auth };
}

interface MailOutcome {
  reasons: Reason[];
  auth: AuthResults | null;
  provable: boolean;
  /** The attached original, when that is what was authenticated: its words and links are checked too. */
  inner: MailView | null;
}

/** Authentication and sender checks of an e-mail, through an attached original when it was forwarded as one. */
async function verifyMail(raw: Buffer, mail: MailView, notice: Notice, opts: VerifyOptions): Promise<MailOutcome> {
  const reasons: Reason[] = [];
  const authOpts = {
    ...(opts.resolver ? { resolver: opts.resolver } : {}),
    now: opts.now ?? new Date(),
    trustedAuthServIds: opts.trustedAuthServIds ?? [],
    trustedArcSealers: opts.trustedArcSealers ?? [],
    ...(opts.dkim ? { dkim: opts.dkim } : {}),
  };
  const outerFromAws = mail.from ? isAwsSendingDomain(domainOf(mail.from.address)) : false;

  // A forward keeps AWS's signature only as an attached message/rfc822.
  if (mail.forwarded || (!outerFromAws && mail.attachments.some((a) => /^message\/(?:rfc822|global)\b/i.test(a.contentType)))) {
    const attached = await attachedOriginals(raw);
    const original = attached.find((a) => a.view.from && isAwsSendingDomain(domainOf(a.view.from.address))) ?? (mail.forwarded ? attached[0] : undefined);
    if (original) {
      reasons.push(reason("forward.attached", `Forwarded as an attached message${mail.from ? ` by ${mail.from.address}` : ""}: the attached original was authenticated.`));
      const a = await authenticateMail(original.raw, original.view.headers, original.view.from?.address ?? null, authOpts);
      reasons.push(...a.reasons, ...checkSender(original.view, { proven: a.reasons.some(isProof), forwarded: false }));
      return { reasons, auth: a.auth, provable: true, inner: original.view };
    }
    // From an AWS address, "forwarded" is AWS quoting something (a Support case, a report): AWS's message, judged as one
    if (mail.forwarded && !outerFromAws) {
      reasons.push(
        reason(
          "forward.inline",
          "The recipient forwarded this notice inline, so AWS's signature did not survive and it cannot be proven; forward it as an attachment, or verify the original message in the recipient's mailbox.",
        ),
      );
      reasons.push(...checkSender(mail, { proven: false, forwarded: true }));
      if (notice.from && notice.from !== mail.from?.address) reasons.push(...checkClaimedSender(notice.from));
      return { reasons, auth: null, provable: false, inner: null };
    }
  }

  const a = await authenticateMail(raw, mail.headers, mail.from?.address ?? null, authOpts);
  reasons.push(...a.reasons, ...checkSender(mail, { proven: a.reasons.some(isProof), forwarded: false }));
  return { reasons, auth: a.auth, provable: true, inner: null };
}

const isProof = (r: Reason) => r.severity === "pass" && PROOF_CODES.has(r.code);

function domainOf(address: string): string {
  const at = address.lastIndexOf("@");
  return at >= 0 ? address.slice(at + 1).toLowerCase() : "";
}

/**
 * Reads a message with the notice stage's MIME reader (one MIME implementation in the project),
 * as a MailView. Used for a message attached to a forward, and when an e-mail item came without
 * a MailView.
 */
async function readView(raw: Buffer): Promise<{ view: MailView; embedded: Buffer[] }> {
  const { readMail, toMailView } = await (mimeReader ??= loadMimeReader());
  const m = await readMail(raw);
  return { view: toMailView(m, false), embedded: m.embedded };
}

/**
 * The MIME reader, loaded on first use and kept: an `import()` per message costs a module-loader
 * round trip (a worker message under tsx), more than reading a small message.
 */
let mimeReader: ReturnType<typeof loadMimeReader> | undefined;
async function loadMimeReader() {
  const { readMail, toMailView } = await import("../notice/mime/mail.ts");
  return { readMail, toMailView };
}

/** The messages attached (message/rfc822) to `raw`, exact bytes and view. */
async function attachedOriginals(raw: Buffer): Promise<{ raw: Buffer; view: MailView }[]> {
  try {
    // only the attached messages are wanted from the outer one, not its own view
    const { embedded } = await (await (mimeReader ??= loadMimeReader())).readMail(raw);
    const out: { raw: Buffer; view: MailView }[] = [];
    for (const e of embedded.slice(0, 8)) {
      try {
        out.push({ raw: e, view: (await readView(e)).view });
      } catch {
        // an unreadable attachment is not the original
      }
    }
    return out;
  } catch {
    return [];
  }
}

/** When the parser gave no MailView: read one here; when even that fails, the bare headers. */
async function viewOf(raw: Buffer): Promise<MailView> {
  try {
    return (await readView(raw)).view;
  } catch {
    return { headers: [], from: null, replyTo: [], returnPath: null, subject: null, links: [], attachments: [], text: "", forwarded: false };
  }
}

/** Hosts and IPs the notice reports as evidence: destination URLs, resources, remote IPs, the reporter's material (`quoted`). */
function reportedHosts(notice: Notice, quoted: string): Set<string> {
  const out = new Set<string>();
  for (const u of notice.destinationUrls ?? []) {
    try {
      out.add(new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(u) ? u : `http://${u}`).hostname.toLowerCase());
    } catch {
      hostsIn(u, out);
    }
  }
  for (const ip of [...(notice.remoteIps ?? []), ...(notice.publicIps ?? [])]) out.add(ip.toLowerCase());
  for (const r of notice.resources ?? []) {
    out.add(r.id.toLowerCase());
    if (r.publicIp) out.add(r.publicIp.toLowerCase());
  }
  if (notice.logExtract) hostsIn(notice.logExtract, out);
  for (const v of Object.values(notice.reporterFields ?? {})) hostsIn(v, out);
  if (quoted) {
    hostsIn(quoted, out);
    for (const l of urlsIn(quoted)) {
      try {
        out.add(new URL(/^www\./i.test(l.href) ? `http://${l.href}` : l.href).hostname.toLowerCase());
      } catch {
        /* not a URL after all */
      }
    }
  }
  return out;
}

/** The descriptions in a Health event (EventBridge `detail.eventDescription[].latestDescription`, the API's `eventDescription`), joined. */
function healthText(json: string): string {
  const out: string[] = [];
  const walk = (v: unknown, key: string, depth: number) => {
    if (depth > 12 || out.length > 100) return;
    if (typeof v === "string") {
      if (/description/i.test(key)) out.push(v);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, key, depth + 1);
    } else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) walk(typeof x === "string" && /^detail$/i.test(k) ? safeJson(x) : x, /description/i.test(key) ? key : k, depth + 1);
    }
  };
  const parsed = safeJson(json);
  if (parsed !== undefined) walk(parsed, "", 0);
  else for (const m of json.matchAll(/"latestDescription"\s*:\s*"((?:[^"\\]|\\.){0,100000})"/g)) out.push(safeJson(`"${m[1]}"`) as string ?? m[1]);
  return out.join("\n");
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

function dedupe(reasons: Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const k = `${r.code}\u0000${r.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
