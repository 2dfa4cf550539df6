/**
 * Links and hosts in the body against AWS's domains.
 *
 * A notice legitimately quotes bad URLs: the phishing page a customer's instance hosts, the site a
 * key leaked on, lines of the reporter's logs. Those are *reported* hosts (from the Notice's
 * destination URLs, the log extract, the reporter's fields and the forwarded report) and are not
 * held against the message, unless they appear as an HTML anchor whose visible text says
 * something else: reported URLs are written out, not hidden behind "click here".
 */
import { classifyHost, type HostInfo } from "./hosts.ts";
import { reason, type ReasonCode } from "./reasons.ts";
import type { Reason } from "./types.ts";

export interface Link {
  href: string;
  text: string | null;
  part: "html" | "text";
}

/**
 * Host names in free text: labels of letters, digits and hyphens (any script), a dot-separated
 * chain ending in a letters-only or punycode TLD. Every quantifier is bounded and the label
 * pattern cannot match the same text two ways, so it runs in linear time.
 */
const HOST_IN_TEXT = /(?<![\p{L}\p{N}_.-])(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62})\.){1,10}(?:\p{L}{2,24}|xn--[a-z0-9-]{1,59})(?![\p{L}\p{N}_-])/gu;
/** URLs in free text (for pasted text and Health events, which have no parsed link list). */
const URL_IN_TEXT = /\b(?:https?:\/\/|www\.)[^\s<>"'`)\]}]{1,2000}/gi;

/** The same for ASCII text, which is nearly all text and much faster without Unicode classes. */
const HOST_IN_ASCII = /(?<![a-z0-9_.-])(?:[a-z0-9][a-z0-9-]{0,62}\.){1,10}(?:[a-z]{2,24}|xn--[a-z0-9-]{1,59})(?![a-z0-9_-])/gi;

/** Hosts named in a text, lower-case, de-duplicated. */
export function hostsIn(text: string, into: Set<string> = new Set()): Set<string> {
  for (const m of text.matchAll(/[^\x00-\x7f]/.test(text) ? HOST_IN_TEXT : HOST_IN_ASCII)) {
    into.add(m[0].toLowerCase());
  }
  return into;
}

export function urlsIn(text: string): Link[] {
  const out: Link[] = [];
  for (const m of text.matchAll(URL_IN_TEXT)) {
    out.push({ href: m[0].replace(/[.,;:!?]+$/, ""), text: null, part: "text" });
    if (out.length >= 500) break;
  }
  return out;
}

function parseUrl(href: string): URL | null {
  const h = href.trim();
  try {
    return new URL(/^www\./i.test(h) ? `http://${h}` : h);
  } catch {
    return null;
  }
}

/**
 * Mail gateways rewrite every link (Microsoft Safe Links, Proofpoint URL Defense, Google's
 * redirector). The original is inside; check that, or the gateway's own host would be "the
 * link" and every anchor a mismatch.
 */
function unwrapGatewayUrl(url: URL): URL {
  for (let depth = 0; depth < 3; depth++) {
    const host = url.hostname.toLowerCase();
    let inner: string | null = null;
    if (host.endsWith("safelinks.protection.outlook.com")) inner = url.searchParams.get("url");
    else if (host === "www.google.com" || host === "google.com") inner = url.pathname === "/url" ? (url.searchParams.get("q") ?? url.searchParams.get("url")) : null;
    else if (host === "urldefense.com") inner = /^\/v3\/__(.+?)__;/.exec(url.pathname + url.search)?.[1] ?? null;
    else if (host === "urldefense.proofpoint.com") {
      const u = url.searchParams.get("u");
      inner = u ? decodeURIComponent(u.replace(/_/g, "/").replace(/-/g, "%")) : null;
    } else if (host === "linkprotect.cudasvc.com") inner = url.searchParams.get("a");
    if (!inner) return url;
    const next = parseUrl(inner);
    if (!next) return url;
    url = next;
  }
  return url;
}

/** The host a link's visible text shows, when it shows one ("https://console.aws.amazon.com/...", "aws.amazon.com"). */
function shownHost(text: string | null): string | null {
  if (!text) return null;
  const t = text.trim();
  if (t.length > 300 || /\s/.test(t)) return null;
  const m = /^(?:[a-z][a-z0-9+.-]{0,15}:\/\/)?(?:[^@/\s]*@)?((?:[\p{L}\p{N}-]{1,63}\.){1,10}(?:\p{L}{2,24}|xn--[a-z0-9-]{1,59}))(?::\d{1,5})?(?:[/?#]|$)/iu.exec(t);
  return m ? m[1]!.toLowerCase() : null;
}

const KIND_REASON: Partial<Record<HostInfo["kind"], ReasonCode>> = {
  ip: "link.ip_literal",
  shortener: "link.shortener",
  homograph: "link.homograph",
  lookalike: "link.lookalike",
  "subdomain-trick": "link.subdomain_trick",
  punycode: "link.punycode",
  "aws-customer": "link.customer_hosted",
};

/** `lead` opens the message for a host the reader is sent to ("<what> goes to"); the text's own words pass "The text names". */
function hostReason(code: ReasonCode, info: HostInfo, what: string, lead = `${what} goes to`): Reason {
  switch (code) {
    case "link.ip_literal":
      return reason(code, `${lead} the bare IP address ${info.ascii}; AWS links to its own host names.`);
    case "link.shortener":
      return reason(code, `${what} goes through the URL shortener ${info.domain}, which hides where it leads.`);
    case "link.homograph":
      return reason(code, `${lead} ${info.display} (${info.ascii}), whose look-alike characters read as ${info.imitates}.`);
    case "link.lookalike":
      return reason(code, `${lead} ${info.ascii}, a domain made to look like ${info.imitates}.`);
    case "link.subdomain_trick":
      return reason(code, `${lead} ${info.ascii}: "${info.imitates}" is only a prefix, the domain is ${info.domain}.`);
    case "link.punycode":
      return reason(code, `${lead} the internationalised domain ${info.display} (${info.ascii}).`);
    case "link.customer_hosted":
      return reason(code, `${lead} ${info.ascii}, content an AWS customer hosts (${info.domain}), not AWS itself.`);
    default:
      return reason(code, `${lead} ${info.ascii}.`);
  }
}

export interface LinkContext {
  /** Hosts the notice reports (evidence, not calls to action). */
  reported: ReadonlySet<string>;
}

/** Checks the message's links and the hosts its own words name. */
export function checkLinks(links: readonly Link[], ownText: string, ctx: LinkContext): Reason[] {
  const reasons: Reason[] = [];
  const seen = new Set<string>();
  const add = (r: Reason) => {
    const k = r.code + "\u0000" + r.message;
    if (seen.has(k) || seen.size > 200) return;
    seen.add(k);
    reasons.push(r);
  };
  const checkedHosts = new Set<string>();

  for (const link of links.slice(0, 1000)) {
    const href = link.href.trim();
    const what = link.text && link.text.trim() && link.text.trim() !== href ? `The link "${link.text.trim().slice(0, 80)}"` : `The link ${href.slice(0, 120)}`;
    const scheme = /^([a-z][a-z0-9+.-]{0,15}):/i.exec(href)?.[1]?.toLowerCase();
    if (scheme === "javascript" || scheme === "data" || scheme === "vbscript") {
      add(reason("link.script", `${what} is a ${scheme}: link, which runs code or carries a page inside the message.`));
      continue;
    }
    if (scheme === "mailto") {
      const d = /@([^?&\s>]+)/.exec(href)?.[1];
      if (d) {
        const info = classifyHost(decodeURIComponent(d));
        const code = KIND_REASON[info.kind];
        if (code && (info.kind === "lookalike" || info.kind === "homograph" || info.kind === "subdomain-trick")) add(hostReason(code, info, what));
      }
      continue;
    }
    const parsed = parseUrl(href);
    if (!parsed || !/^(https?|ftp):$/.test(parsed.protocol)) continue;
    if (parsed.username || parsed.password) {
      add(reason("link.userinfo", `${what} goes to ${parsed.hostname}: the "${decodeURIComponent(parsed.username).slice(0, 60)}@" before it is only a user name, placed to look like the host.`));
    }
    const url = unwrapGatewayUrl(parsed);
    const info = classifyHost(url.hostname);
    checkedHosts.add(info.ascii);
    const anchorText = link.text?.trim() ?? "";
    const hidden = anchorText !== "" && anchorText !== href && shownHost(anchorText) !== info.ascii;
    if (ctx.reported.has(info.ascii) && !hidden) continue;

    const code = KIND_REASON[info.kind];
    if (code) add(hostReason(code, info, what));

    const shown = shownHost(anchorText);
    if (shown) {
      const shownInfo = classifyHost(shown);
      if (shownInfo.domain !== info.domain && shownInfo.kind !== "invalid") {
        const bothAws = shownInfo.kind === "aws" && info.kind === "aws";
        if (!bothAws) {
          add(
            reason(
              "link.text_mismatch",
              `A link shows ${shownInfo.display} but goes to ${info.display}${shownInfo.kind === "aws" ? ": the visible AWS address is a disguise" : ""}.`,
              shownInfo.kind === "aws" ? "fail" : "warn",
            ),
          );
        }
      }
    }
  }

  // hosts the message's own words name, outside links (e-mail addresses included)
  for (const host of hostsIn(ownText)) {
    if (ctx.reported.has(host)) continue;
    const info = classifyHost(host);
    if (checkedHosts.has(info.ascii) || ctx.reported.has(info.ascii)) continue;
    if (info.kind === "lookalike" || info.kind === "homograph" || info.kind === "subdomain-trick" || info.kind === "punycode") {
      add(hostReason(KIND_REASON[info.kind]!, info, "The text", "The text names"));
    }
  }
  return reasons;
}
