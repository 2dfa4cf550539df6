/**
 * Mail authentication of one RFC 822 message with mailauth: DKIM, SPF, ARC and DMARC, turned into
 * reasons about AWS.
 *
 * mailauth's own `authenticate()` runs the same four checks (and BIMI) in one call; abuse-desk calls
 * its parts (`dkimVerify`, `spf`, `arc`, `dmarc`) wired exactly as `authenticate()` wires them,
 * because `authenticate()` always evaluates SPF (with no known client IP it evaluates a guess and
 * spends DNS lookups on it), cannot be given the time to check signature expiry at, and runs BIMI.
 * The verification code is mailauth's; only what is run, and when, is chosen here, with one
 * exception: DKIM signatures of the common shape go through dkim-fast.ts, which reuses mailauth's
 * canonicalizers and key reading but not its per-message stream, and hands anything unusual (and
 * every message with ARC headers) to mailauth's `dkimVerify`.
 */
import { arc as arcVerify, dkimVerify, dmarc as dmarcVerify, spf as spfVerify } from "mailauth";
import type { ARCResult, DMARCResult, DNSResolver, SPFResult } from "mailauth";
import { dkimVerifyFast, type DkimOutcome, type DkimSignatureResult } from "./dkim-fast.ts";
import { NEGATIVE_CODES, OFFLINE, offlineResolver } from "./dns.ts";
import { isAwsSendingDomain, isSesDomain, orgDomain } from "./hosts.ts";
import { header, type HeaderList } from "../notice/mime/headers.ts";
import { trustZone } from "./received.ts";
import { reason } from "./reasons.ts";
import type { AuthResults, DnsResolver, Reason } from "./types.ts";

export interface MailAuthOptions {
  resolver?: DnsResolver;
  now: Date;
  trustedAuthServIds: readonly string[];
  trustedArcSealers: readonly string[];
  /** "mailauth": every DKIM signature through mailauth's dkimVerify (the reference); default "fast" (dkim-fast.ts where it applies). */
  dkim?: "fast" | "mailauth";
}

export interface MailAuthOutcome {
  reasons: Reason[];
  auth: AuthResults;
}

type SigState = "pass" | "body" | "signature" | "no-key" | "expired" | "weak" | "dns" | "offline" | "invalid";

function sigState(r: DkimSignatureResult): SigState {
  const c = r.status.comment ?? "";
  switch (r.status.result) {
    case "pass":
      return "pass";
    case "fail":
      return "signature";
    case "policy":
      return "weak";
    case "temperror":
    case "temperr":
      return c.includes(OFFLINE) ? "offline" : "dns";
    case "neutral":
      if (c.includes("body hash")) return "body";
      if (c.includes("no key")) return "no-key";
      if (c.includes("expir")) return "expired";
      return "invalid";
    default:
      return "invalid";
  }
}

/** `d=` of every DKIM-Signature header, including ones mailauth skips as unusable. */
function signatureDomains(headers: HeaderList): string[] {
  const out: string[] = [];
  for (const [name, value] of headers) {
    if (name === "dkim-signature") out.push(signingDomainOf(value));
  }
  return out;
}

/** The `d=` of one DKIM-Signature value, lower-cased; "" when it has none. */
function signingDomainOf(v: string): string {
  return /(?:^|;)\s*d\s*=\s*([^;\s]+)/i.exec(v)?.[1]?.toLowerCase() ?? "";
}

/** `d` is an AWS sending domain and aligned with the From domain (same organisational domain). */
function isAlignedAws(d: string, fromDomain: string | null): boolean {
  return Boolean(d && fromDomain && isAwsSendingDomain(d) && orgDomain(d) === orgDomain(fromDomain));
}

function fromDomainOf(address: string | null): string | null {
  if (!address) return null;
  const at = address.lastIndexOf("@");
  return at >= 0 ? address.slice(at + 1).toLowerCase() : null;
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** Authenticates `raw` (whose header lines are `headers`, whose From address is `fromAddress`). Never throws. */
export async function authenticateMail(raw: Buffer, headers: HeaderList, fromAddress: string | null, opts: MailAuthOptions): Promise<MailAuthOutcome> {
  const reasons: Reason[] = [];
  const auth: AuthResults = { dkim: [], spf: null, dmarc: null, arc: null };
  const offline = !opts.resolver;
  const base = opts.resolver ?? offlineResolver();
  const dnsFailures: string[] = [];
  const resolver = (async (name: string, rrtype: string) => {
    try {
      return await base(name, rrtype);
    } catch (err) {
      const code = (err as { code?: string }).code ?? "ERROR";
      if (!NEGATIVE_CODES.has(code) && code !== OFFLINE && dnsFailures.length < 5) dnsFailures.push(`${rrtype} ${name} (${code})`);
      throw err;
    }
  }) as DNSResolver;

  const fromDomain = fromDomainOf(fromAddress);
  const fromIsAws = fromDomain !== null && isAwsSendingDomain(fromDomain);
  const sigDomains = signatureDomains(headers);
  const hasArc = headers.some(([n]) => n === "arc-seal");
  const zone = trustZone(headers, opts.trustedAuthServIds);

  // Your own mail server's record, when you trust it.
  let serverProof = false;
  for (const ar of zone.trusted) {
    for (const m of ar.methods) {
      if (m.method === "dkim" && m.result === "pass") {
        const d = (m.props["header.d"] ?? m.props["header.i"] ?? "").replace(/^.*@/, "").toLowerCase();
        if (isAlignedAws(d, fromDomain)) {
          serverProof = true;
          reasons.push(reason("authres.trusted_pass", `Your mail server ${ar.authservId} recorded a passing DKIM signature by ${d} when the message arrived.`));
        }
      } else if (m.method === "dmarc" && fromIsAws) {
        if (m.result === "pass") {
          serverProof = true;
          reasons.push(reason("authres.trusted_pass", `Your mail server ${ar.authservId} recorded DMARC passing for ${fromDomain} when the message arrived.`));
        } else if (m.result === "fail") {
          reasons.push(reason("authres.trusted_fail", `Your mail server ${ar.authservId} recorded DMARC failing for ${fromDomain} when the message arrived: it did not come from AWS.`));
        }
      }
    }
  }
  for (const u of zone.unbacked) {
    reasons.push(
      reason(
        "authres.unbacked",
        `Your mail server ${u.authservId} is recorded as passing a DKIM signature by ${u.domain || "an unnamed domain"}, but the message carries no DKIM-Signature by ${u.domain || "it"}: a server records only signatures that are there, so that record is not relied on.`,
      ),
    );
  }
  if (zone.untrustedIds.length) {
    reasons.push(
      reason(
        "authres.untrusted",
        `Authentication-Results from ${zone.untrustedIds.slice(0, 3).join(", ")} ${plural(zone.untrustedIds.length, "is", "are")} in the message but not trusted (anyone can write them); if that is your mail server, trust it with --trust-authserv.`,
      ),
    );
  }

  // Nothing to verify cryptographically and no IP for SPF: skip mailauth entirely.
  if (sigDomains.length === 0 && !hasArc && !zone.entry) {
    auth.dkim.push({ result: "none" });
    if (fromIsAws && !serverProof) {
      reasons.push(reason("dkim.missing", `From is at ${fromDomain}, but the message carries no DKIM signature at all: AWS signs every message it sends, so this one was not sent by AWS (or its headers were stripped).`));
    }
    return { reasons, auth };
  }

  try {
    const { dk, skipped } = await verifyDkim(raw, headers, sigDomains, hasArc, resolver, opts);
    const sigs = (dk.results ?? []).filter((r) => r.signingDomain);

    // SPF: as your trusted server recorded it, or evaluated here from the IP it saw.
    let spfResult: Pick<SPFResult, "domain" | "status"> | null = null;
    let spfBy: string | null = null;
    const recorded = zone.trusted.flatMap((ar) => ar.methods.filter((m) => m.method === "spf").map((m) => ({ m, by: ar.authservId })))[0];
    if (recorded) {
      const mailfrom = recorded.m.props["smtp.mailfrom"] ?? recorded.m.props["smtp.helo"] ?? "";
      spfResult = { domain: mailfrom.replace(/^.*@/, "").toLowerCase(), status: { result: recorded.m.result as SPFResult["status"]["result"] } };
      spfBy = recorded.by;
    } else if (offline) {
      reasons.push(reason("spf.not_evaluated", "SPF was not evaluated: offline (it needs DNS)."));
    } else if (!zone.entry) {
      reasons.push(
        reason(
          "spf.not_evaluated",
          opts.trustedAuthServIds.length
            ? `SPF was not evaluated: no Received header written by ${opts.trustedAuthServIds.join(", ")} gives the connecting IP.`
            : "SPF was not evaluated: it needs the IP that delivered the message, which only your mail server saw; name it with --trust-authserv to use its Received header.",
        ),
      );
    } else {
      const sender = (dk.envelopeFrom || header(headers, "return-path")?.replace(/[<>\s]/g, "") || "") as string;
      spfResult = await spfVerify({
        ip: zone.entry.ip,
        ...(sender ? { sender } : {}),
        helo: zone.entry.helo ?? zone.entry.ip,
        mta: zone.entry.by ?? "abuse-desk",
        resolver,
      });
    }

    let arcResult: ARCResult | null = null;
    if (hasArc && dk.arc) arcResult = await arcVerify(dk.arc as never, { resolver, minBitLength: 1024 });

    let dmarcResult: DMARCResult | false = false;
    if (!offline && dk.headerFrom?.length === 1) {
      dmarcResult = await dmarcVerify({
        headerFrom: dk.headerFrom,
        spfDomains: spfResult?.status.result === "pass" && spfResult.domain ? [spfResult.domain] : [],
        dkimDomains: sigs
          .filter((r) => r.status.result === "pass")
          .map((r) => ({ ...(r.id ? { id: r.id } : {}), domain: r.signingDomain, aligned: Boolean(r.status.aligned), underSized: Boolean(r.status.underSized) })),
        ...(arcResult ? { arcResult } : {}),
        resolver,
      });
    }

    // ---- DKIM
    const states = sigs.map((r) => ({ r, state: sigState(r), d: r.signingDomain.toLowerCase() }));
    for (const { r, d } of states) {
      auth.dkim.push({ result: r.status.result, domain: d, aligned: Boolean(r.status.aligned), ...(r.selector ? { selector: r.selector } : {}) });
    }
    for (const d of skipped) auth.dkim.push({ result: "skipped", domain: d });
    if (!sigs.length && !skipped.length) auth.dkim.push({ result: "none" });

    const aws = states.filter((s) => isAwsSendingDomain(s.d));
    const awsAligned = aws.filter((s) => s.state === "pass" && isAlignedAws(s.d, fromDomain));
    auth.arc = arcResult ? { result: arcResult.status.result } : null;
    const arcProof = interpretArc(arcResult, fromDomain, opts.trustedArcSealers, reasons);
    let proven = serverProof || arcProof;

    if (awsAligned.length) {
      const s = awsAligned[0]!;
      proven = true;
      reasons.push(reason("dkim.aws_pass", `DKIM signature by ${s.d} (selector ${s.r.selector ?? "?"}) verifies and matches the From domain ${fromDomain}: AWS sent this message and it has not been changed.`));
      const under = awsAligned.find((x) => x.r.status.underSized);
      if (under) {
        reasons.push(reason("dkim.unsigned_content", `${under.d}'s signature covers only the start of the body (l=); ${under.r.status.underSized} more bytes follow that nobody signed and anyone could have appended.`));
      }
    }
    for (const s of aws) {
      if (awsAligned.includes(s)) continue;
      const who = `${s.d}'s signature`;
      switch (s.state) {
        case "pass":
          reasons.push(reason("dkim.aws_not_aligned", `${who} verifies, but From is ${fromAddress ?? "missing"}: a signature by AWS over someone else's From proves nothing about the sender.`));
          break;
        case "body":
          reasons.push(
            reason(
              "dkim.body_modified",
              `The body no longer matches ${who}: it was changed after AWS sent it (by a mail gateway adding a banner or rewriting links, or by a forger), so its facts cannot be trusted as they stand.`,
              proven ? "info" : undefined,
            ),
          );
          break;
        case "signature":
          reasons.push(reason("dkim.bad_signature", `${who} does not verify: a signed header (Subject, From, Date...) was changed after AWS sent it.`, proven ? "info" : undefined));
          break;
        case "no-key":
        case "invalid":
          reasons.push(reason("dkim.key_missing", `${who} (selector ${s.r.selector ?? "?"}) cannot be checked: ${s.state === "no-key" ? "the key is not published in DNS (any more; AWS rotates keys, so older mail ends here)" : `the published key is unusable (${keyProblem(s.r.status.comment)})`}.`));
          break;
        case "expired":
          reasons.push(reason("dkim.expired", `${who} expired (x=) before ${opts.now.toISOString()}: it can no longer be checked.`));
          break;
        case "weak":
          reasons.push(reason("dkim.weak_key", `${who} uses a key shorter than 1024 bits, which proves nothing.`));
          break;
        case "offline":
          reasons.push(reason("dkim.not_checked", `${who} was not checked: offline (its body hash matches; the signature itself needs the key from DNS).`));
          break;
        case "dns":
          break; // said once below
      }
    }
    // an AWS signature header mailauth could not use at all (unknown algorithm, missing tags)
    const unusable = sigDomains.filter((d) => d && isAwsSendingDomain(d)).length - aws.length;
    if (unusable > 0 && !awsAligned.length) {
      reasons.push(
        reason(
          "dkim.bad_signature",
          `${unusable} DKIM-Signature ${plural(unusable, "header", "headers")} naming an AWS domain cannot be used at all (unsupported algorithm or missing tags): AWS does not send such signatures.`,
        ),
      );
    }
    if (fromIsAws && !aws.length && !unusable && !proven) {
      const others = [...new Set(states.map((s) => s.d))];
      reasons.push(
        reason(
          "dkim.missing",
          `From is at ${fromDomain}, but no signature by an AWS domain is present${others.length ? ` (only by ${others.join(", ")})` : ""}: AWS signs every message it sends, so this one was not sent by AWS.`,
        ),
      );
    }
    if (!proven) {
      const ses = states.filter((s) => s.state === "pass" && isSesDomain(s.d));
      const other = states.filter((s) => s.state === "pass" && !isSesDomain(s.d) && !isAwsSendingDomain(s.d));
      if (ses.length) reasons.push(reason("dkim.ses_only", "The amazonses.com signature verifies: Amazon SES carried this message, and any AWS customer can send through SES, so it says nothing about who wrote it."));
      if (other.length) {
        const ds = [...new Set(other.map((s) => s.d))].join(", ");
        reasons.push(reason("dkim.other_pass", `The signature by ${ds} verifies: ${ds} sent this message, not AWS.`));
      }
    }
    if (offline && !aws.length && states.some((s) => s.state === "offline")) {
      reasons.push(reason("dkim.not_checked", "Signatures were not checked: offline (DKIM keys are published in DNS)."));
    }

    // ---- SPF
    if (spfResult) {
      const r = spfResult.status.result;
      const d = spfResult.domain;
      auth.spf = { result: r, domain: d };
      const awsBounce = isAwsSendingDomain(d) || isSesDomain(d);
      const ip = spfBy ? `the server (as ${spfBy} recorded)` : zone.entry?.ip;
      if (r === "pass") {
        reasons.push(
          reason(
            "spf.pass",
            isAwsSendingDomain(d)
              ? `SPF passes: ${ip} may send for ${d}.`
              : isSesDomain(d)
                ? `SPF passes for ${d}: Amazon SES delivered it (any SES customer's mail does the same).`
                : `SPF passes for ${d}, the bounce domain: ${d}'s server sent it.`,
            isAwsSendingDomain(d) ? "pass" : "info",
          ),
        );
      } else if (r === "fail") {
        reasons.push(
          reason(
            "spf.fail",
            `SPF fails: ${ip} is not allowed to send for ${d}${awsBounce ? (proven ? " (AWS's signature verifies, so a relay sent it on)" : ", an AWS bounce domain: the message was not sent by AWS") : ""}.`,
            awsBounce ? (proven ? "warn" : "fail") : "info",
          ),
        );
      } else if (r === "softfail") {
        reasons.push(reason("spf.softfail", `SPF soft-fails: ${d} says ${ip} is probably not allowed to send for it.`, awsBounce && !proven ? "warn" : "info"));
      } else if (r === "temperror" || r === "temperr") {
        // said by dns.unavailable
      } else {
        reasons.push(reason("spf.none", `SPF gives no answer for ${d} (${r}).`));
      }
    }

    // ---- DMARC (about AWS only when From claims an AWS domain)
    if (dmarcResult) {
      auth.dmarc = { result: dmarcResult.status.result, domain: dmarcResult.domain, ...(dmarcResult.policy ? { policy: dmarcResult.policy } : {}) };
      if (fromIsAws) {
        const r = dmarcResult.status.result;
        const policy = (dmarcResult.policy ?? "none").toLowerCase();
        if (r === "pass") {
          reasons.push(reason("dmarc.pass", `DMARC passes for ${dmarcResult.domain}.`));
        } else if (r === "fail") {
          const broken = aws.some((s) => s.state === "body" || s.state === "signature" || s.state === "weak");
          const uncheckable = aws.some((s) => ["no-key", "invalid", "expired", "dns", "offline"].includes(s.state));
          const severity = proven || uncheckable ? "info" : broken || policy === "none" ? "warn" : "fail";
          reasons.push(
            reason(
              "dmarc.fail",
              `DMARC fails for ${dmarcResult.domain} (policy ${policy})${spfResult ? "" : ", judged on DKIM alone since SPF was not evaluated"}: ${
                severity === "fail" ? `${dmarcResult.domain}'s owner says to ${policy === "reject" ? "reject" : "quarantine"} such mail; it was not sent by AWS` : "no aligned signature could be confirmed"
              }.`,
              severity,
            ),
          );
        }
      }
    }

    if (dnsFailures.length) {
      reasons.push(reason("dns.unavailable", `DNS lookups failed (${dnsFailures.join(", ")}): the checks that need them could not be made.`));
    }
    return { reasons, auth };
  } catch (err) {
    reasons.push(reason("auth.error", `Mail authentication could not run: ${(err as Error)?.message ?? String(err)}.`));
    return { reasons, auth };
  }
}

type DkimRun = DkimOutcome & { arc?: unknown };

/**
 * DKIM of every signature that matters: through dkim-fast.ts when it takes the message, else
 * mailauth's dkimVerify on the message without the signatures that do not matter.
 */
async function verifyDkim(raw: Buffer, headers: HeaderList, sigDomains: string[], hasArc: boolean, resolver: DNSResolver, opts: MailAuthOptions): Promise<{ dk: DkimRun; skipped: string[] }> {
  const skip = irrelevantSignature(headers, sigDomains);
  if (opts.dkim !== "mailauth" && !hasArc) {
    const skipped: string[] = [];
    // a failure of the fast path is a bug in it: mailauth, the reference, answers instead
    const fast = await dkimVerifyFast(raw, {
      resolver: resolver as DnsResolver,
      now: opts.now,
      minBitLength: 1024,
      ...(skip
        ? {
            skip: (value: string) => {
              const d = skip(value);
              if (d !== null) skipped.push(d);
              return d !== null;
            },
          }
        : {}),
    }).catch((err: unknown) => ({ declined: `failed: ${(err as Error)?.message ?? String(err)}` }));
    if ("outcome" in fast) return { dk: fast.outcome, skipped };
  }
  const { message, skipped } = skip ? withoutSignatures(raw, skip) : { message: raw, skipped: [] };
  const r = await dkimVerify(message, { resolver, curTime: opts.now, minBitLength: 1024 });
  return { dk: { headerFrom: r.headerFrom, envelopeFrom: r.envelopeFrom as string | false, results: (r.results ?? []) as unknown as DkimSignatureResult[], arc: r.arc }, skipped };
}

/**
 * Real AWS mail carries two signatures, AWS's and Amazon SES's, and checking a signature costs a
 * public-key parse and an RSA verification. When a message is signed by an AWS sending domain,
 * the other signatures cannot change the verdict (SES's only says SES carried it), so they are
 * not checked and are reported as `skipped`. Never when an ARC set is present or a kept signature
 * covers DKIM-Signature headers: removing a header would break those.
 *
 * Returns null when every signature matters; else a test of one DKIM-Signature field's value (as
 * written, possibly folded) giving the signing domain of a signature to leave out, or null to keep it.
 */
function irrelevantSignature(headers: HeaderList, sigDomains: string[]): ((fieldValue: string) => string | null) | null {
  if (sigDomains.length < 2 || headers.some(([n]) => n.startsWith("arc-"))) return null;
  const sigs = headers.filter(([n]) => n === "dkim-signature").map(([, v]) => v);
  const keep = sigs.filter((_v, k) => isAwsSendingDomain(sigDomains[k]!));
  if (!keep.length || keep.length === sigs.length) return null;
  if (keep.some((v) => /(?:^|;)\s*h\s*=[^;]*\bdkim-signature\b/i.test(v))) return null;
  return (fieldValue) => {
    const d = signingDomainOf(fieldValue.replace(/\r?\n[ \t]+/g, " "));
    return isAwsSendingDomain(d) ? null : d;
  };
}

/** `raw` without the DKIM-Signature fields `skip` names (for mailauth), and their domains. */
function withoutSignatures(raw: Buffer, skip: (fieldValue: string) => string | null): { message: Buffer; skipped: string[] } {
  const none = { message: raw, skipped: [] as string[] };
  // the header block, field by field (a field is a line plus its folded continuation lines)
  let end = raw.indexOf("\r\n\r\n");
  let sep = 4;
  const lf = raw.indexOf("\n\n");
  if (end < 0 || (lf >= 0 && lf < end)) [end, sep] = [lf, 2];
  if (end < 0) return none;
  const head = raw.toString("latin1", 0, end);
  const fields = head.split(/\r?\n(?![ \t])/);
  const skipped: string[] = [];
  const kept = fields.filter((f) => {
    if (!/^dkim-signature\s*:/i.test(f)) return true;
    const d = skip(f.slice(f.indexOf(":") + 1));
    if (d === null) return true;
    skipped.push(d);
    return false;
  });
  const eol = raw.includes("\r\n") ? "\r\n" : "\n";
  return { message: Buffer.concat([Buffer.from(kept.join(eol), "latin1"), raw.subarray(end, end + sep), raw.subarray(end + sep)]), skipped };
}

/** Reads the ARC result into reasons; true when a trusted sealer recorded AWS's signature passing. */
function interpretArc(result: ARCResult | null, fromDomain: string | null, trustedSealers: readonly string[], reasons: Reason[]): boolean {
  if (!result) return false;
  const status = result.status.result;
  if (status === "fail") {
    reasons.push(reason("arc.fail", `The ARC chain is broken (${result.status.comment ?? "failed"}): the message changed after it was sealed.`));
    return false;
  }
  if (status !== "pass") return false;
  const sealer = (result.signature && typeof result.signature === "object" ? result.signature.signingDomain : "")?.toLowerCase() ?? "";
  const aar = (result.authenticationResults ?? {}) as { dkim?: { result?: string; header?: { i?: string; d?: string } }[]; dmarc?: { result?: string; header?: { from?: string } } };
  const awsDkim = (aar.dkim ?? []).find((e) => {
    const d = (e.header?.d ?? e.header?.i ?? "").replace(/^.*@/, "").toLowerCase();
    return e.result === "pass" && isAlignedAws(d, fromDomain);
  });
  const awsDmarc = aar.dmarc?.result === "pass" && fromDomain && isAwsSendingDomain(fromDomain);
  const recorded = awsDkim || awsDmarc;
  const trusted = trustedSealers.some((t) => {
    const tl = t.toLowerCase();
    return sealer === tl || sealer.endsWith("." + tl) || orgDomain(sealer) === orgDomain(tl);
  });
  if (trusted && recorded) {
    reasons.push(reason("arc.trusted_pass", `The ARC chain sealed by ${sealer}, which you trust, verifies and records AWS's signature passing before the message was forwarded.`));
    return true;
  }
  reasons.push(
    reason(
      "arc.pass",
      `An ARC chain sealed by ${sealer || "an unnamed sealer"} verifies${recorded ? " and records AWS's signature passing earlier" : ""}; ${trusted ? "it records no AWS signature" : "that sealer is not one you trust (--trust-arc-sealer), so this is said, not relied on"}.`,
    ),
  );
  return false;
}

/**
 * Why a published DKIM key could not be used, for a person: the verifier's own short status
 * ("invalid public key"), never an exception's text from inside the crypto library (which names
 * arguments and types, e.g. "Received undefined", and says nothing about the key).
 */
function keyProblem(comment: string | undefined): string {
  if (!comment || comment.length > 80 || /undefined|\[object |argument|Received /i.test(comment)) return "it is not a public key the signature's algorithm can use";
  return comment;
}
