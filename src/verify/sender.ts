/**
 * Who the message says it is from: From (address and display name), Reply-To, Return-Path, against
 * AWS's domains and known abuse senders (aws.ts).
 */
import { CUSTOMER_CONTENT_SENDER_HOSTS, KNOWN_ABUSE_SENDERS } from "./aws.ts";
import { classifyHost, imitatedBrand, isAwsSendingDomain, isSesDomain, orgDomain, skeleton } from "./hosts.ts";
import type { HeaderList } from "../notice/mime/headers.ts";
import { reason } from "./reasons.ts";
import type { Reason } from "./types.ts";

export interface Address {
  address: string;
  name: string;
}

export interface SenderView {
  headers: HeaderList;
  from: Address | null;
  replyTo: Address[];
  returnPath: string | null;
}

const KNOWN = new Map(KNOWN_ABUSE_SENDERS.map((s) => [s.address, s]));
const SINGLE_HEADERS = ["from", "sender", "reply-to", "subject"] as const;

function domainOf(address: string): string {
  const at = address.lastIndexOf("@");
  return at >= 0 ? address.slice(at + 1).toLowerCase().replace(/[>\s]/g, "") : "";
}

/** Words in a display name that claim to be AWS: "AWS", "Amazon", "Amazon Web Services", "EC2", in any look-alike spelling. */
function nameClaimsAws(name: string): boolean {
  if (!name) return false;
  const words = skeleton(name).split(/[^a-z]+/).filter(Boolean);
  return words.some((w) => w === "aws" || w === "ec2" || w.startsWith("amazon") || w === "amazonaws" || w === "awsabuse" || w === "amzn");
}

/** A local part that claims AWS: aws-abuse@, amazon.security@, ec2abuse@. */
function localPartClaimsAws(address: string): boolean {
  const local = address.slice(0, Math.max(0, address.lastIndexOf("@")));
  if (!local) return false;
  const sk = skeleton(local);
  return imitatedBrand(local) !== null || /(?:^|[._+-])ec2/.test(sk);
}

/** "'Amazon EC2 Abuse' via Security Team": a mailing list rewrote From (Google Groups does this for DMARC-protected senders). */
function isListRewrite(view: SenderView, name: string): boolean {
  if (!/\bvia\b/i.test(name)) return false;
  return view.headers.some(([n]) => n === "list-id" || n === "x-original-from" || n === "x-original-sender" || n === "arc-seal");
}

function lookalike(domain: string): { imitates: string; display: string } | null {
  if (!domain) return null;
  const info = classifyHost(domain);
  if (info.kind === "lookalike" || info.kind === "homograph" || info.kind === "subdomain-trick") return { imitates: info.imitates ?? "AWS", display: info.display };
  return null;
}

/** The display name the reader sees, quoted for a message. */
const shown = (a: Address) => (a.name ? `"${a.name}" <${a.address}>` : `<${a.address}>`);

export interface SenderContext {
  /** Authentication proved AWS sent it (relays may then rewrite Return-Path). */
  proven: boolean;
  /** The outer message was forwarded by the recipient: its From is the forwarder. */
  forwarded: boolean;
}

export function checkSender(view: SenderView, ctx: SenderContext): Reason[] {
  const reasons: Reason[] = [];
  for (const h of SINGLE_HEADERS) {
    const n = view.headers.reduce((c, [name]) => c + (name === h ? 1 : 0), 0);
    if (n > 1) {
      reasons.push(reason("header.duplicate", `The message has ${n} ${h} headers: mail programs show one while the signature may cover another, a known way to forge a sender.`));
    }
  }

  const from = view.from;
  const fromDomain = from ? domainOf(from.address) : "";
  if (!from || !fromDomain) {
    if (!ctx.forwarded) reasons.push(reason("header.from_missing", "The message has no usable From address."));
  } else {
    const look = lookalike(fromDomain);
    if (look) {
      reasons.push(reason("sender.lookalike", `From ${shown(from)} is at ${look.display}, a domain made to look like ${look.imitates}.`));
    } else if (isAwsSendingDomain(fromDomain)) {
      const addr = from.address.toLowerCase();
      const known = KNOWN.get(addr);
      if (CUSTOMER_CONTENT_SENDER_HOSTS.some((h) => fromDomain === h || fromDomain.endsWith("." + h))) {
        reasons.push(reason("sender.customer_content", `From ${shown(from)} is an AWS service that delivers what AWS customers write (SNS notifications): AWS abuse notices never come from it.`));
      } else if (known) {
        reasons.push(
          ctx.proven
            ? reason("sender.known", `From ${addr} is the address ${known.what} sends from.`)
            : reason("sender.known", `From claims ${addr}, the address ${known.what} sends from; only a verified signature proves it did.`, "info"),
        );
      } else {
        reasons.push(reason("sender.aws_unlisted", `From ${addr} is at an AWS domain, but not an address AWS is known to send abuse notices from.`));
      }
    } else if (nameClaimsAws(from.name) || localPartClaimsAws(from.address)) {
      if (isListRewrite(view, from.name)) {
        reasons.push(reason("sender.list_rewrite", `From ${shown(from)} was rewritten by a mailing list; the original sender is named in the display name.`));
      } else {
        reasons.push(reason("sender.display_name_spoof", `From ${shown(from)} claims to be AWS, but the address is at ${fromDomain}, which is not an AWS domain.`));
      }
    } else if (ctx.forwarded) {
      reasons.push(reason("sender.forwarder", `From ${shown(from)} is whoever forwarded the notice.`));
    } else {
      reasons.push(reason("sender.not_aws", `From ${shown(from)} is not at an AWS domain.`));
    }
  }

  if (!ctx.forwarded) {
    for (const rt of view.replyTo) {
      const d = domainOf(rt.address);
      if (!d) continue;
      const look = lookalike(d);
      if (look) reasons.push(reason("sender.lookalike", `Reply-To <${rt.address}> is at ${look.display}, a domain made to look like ${look.imitates}.`));
      else if (!isAwsSendingDomain(d)) reasons.push(reason("reply_to.foreign", `Replies would go to <${rt.address}>, at ${d}, which is not an AWS domain.`));
    }
    const rp = view.returnPath?.replace(/[<>\s]/g, "") ?? "";
    const rpDomain = domainOf(rp);
    if (rpDomain) {
      const look = lookalike(rpDomain);
      const srs = /^srs[01][=+-]/i.test(rp);
      if (look) reasons.push(reason("sender.lookalike", `Return-Path <${rp}> is at ${look.display}, a domain made to look like ${look.imitates}.`));
      else if (fromDomain && isAwsSendingDomain(fromDomain) && !ctx.proven && !srs && !isAwsSendingDomain(rpDomain) && !isSesDomain(rpDomain)) {
        reasons.push(reason("return_path.foreign", `Bounces go to <${rp}> at ${orgDomain(rpDomain)}, while From claims ${fromDomain}: AWS's bounces go to AWS or Amazon SES.`));
      }
    }
  }
  return reasons;
}

/**
 * A sender nobody can check (written in pasted text, or in the body of an inline forward): only
 * what is evidence by itself (a look-alike domain, an AWS name on a foreign address) is said.
 */
export function checkClaimedSender(claimed: string | null): Reason[] {
  if (!claimed || claimed.length > 1000) return [];
  const m = /^\s*"?([^"<]*?)"?\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(claimed) ?? /^\s*()([^\s<>]+@[^\s<>]+)\s*$/.exec(claimed);
  if (!m) return [];
  const a: Address = { name: (m[1] ?? "").trim(), address: m[2]!.trim() };
  const d = domainOf(a.address);
  const look = lookalike(d);
  if (look) return [reason("sender.lookalike", `The original sender ${shown(a)} (as written in the text) is at ${look.display}, a domain made to look like ${look.imitates}.`)];
  if (!isAwsSendingDomain(d) && (nameClaimsAws(a.name) || localPartClaimsAws(a.address))) {
    return [reason("sender.display_name_spoof", `The original sender ${shown(a)} (as written in the text) claims to be AWS, but the address is at ${d}, which is not an AWS domain.`)];
  }
  return [];
}
