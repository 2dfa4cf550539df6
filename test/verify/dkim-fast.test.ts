/**
 * The fast DKIM path (src/verify/dkim-fast.ts) against mailauth's dkimVerify, the reference: on
 * generated and mutated signed messages both must give the same outcome for every signature
 * (result, comment, alignment, unsigned bytes after l=, policy, id), the same From and
 * Return-Path addresses, and, through authenticateMail and verify, the same reasons and verdicts.
 * Also: the pieces the fast path builds its answer from (the message cut as mailauth's stream cuts
 * it, header lines, signature tags) against mailauth's own readers, on arbitrary text.
 */
import { createRequire } from "node:module";
import fc from "fast-check";
import { dkimSign, dkimVerify } from "mailauth";
import { beforeEach, describe, expect, it } from "vitest";
import { authenticateMail, type MailAuthOptions } from "../../src/verify/auth.ts";
import { dkimVerifyFast, headerRows, parseSignature, pieces, resetDkimKeyCache, type DkimOutcome, type FastDkimResult } from "../../src/verify/dkim-fast.ts";
import { DnsCache, DnsError } from "../../src/verify/dns.ts";
import { verify } from "../../src/verify/index.ts";
import type { DnsResolver } from "../../src/verify/types.ts";
import { makeGenerator } from "../notice/helpers/generate.ts";
import { dkimTxt, emailItem, KEYS, message, NOTICE_BODY, NOW, SIGN_TIME } from "./helpers.ts";
import { generateMailbox, mailboxZone } from "./mailbox.ts";

const mailauthRequire = createRequire(createRequire(import.meta.url).resolve("mailauth"));
const { parseHeaders, parseDkimHeaders } = mailauthRequire("./tools.js") as {
  parseHeaders(buf: Buffer): { parsed: { key: string | null; casedKey: string | undefined; line: Buffer }[] };
  parseDkimHeaders(line: Buffer | string): { parsed: Record<string, { value: string | number } | undefined> };
};
const { MessageParser } = mailauthRequire("./dkim/message-parser.js") as { MessageParser: new () => NodeJS.WritableStream & Record<string, unknown> };
const { writeToStream } = mailauthRequire("./tools.js") as { writeToStream(stream: unknown, input: Buffer): Promise<void> };

// ---- the zone: every selector under every signing domain, and the ways a key lookup goes wrong

const DOMAINS = ["amazon.com", "amazonses.com", "example.net", "support.aws.com"] as const;
const KEY_NAMES = ["awsRsa", "awsEd", "forger", "weak"] as const;
type KeyName = (typeof KEY_NAMES)[number];
const SELECTORS = ["rsa", "ed", "forger", "weak", "revoked", "broken", "twokeys", "missing", "dnsfail"] as const;

function diffZone(): DnsResolver {
  const z = new DnsCache({ missCode: "ENOTFOUND" });
  for (const d of DOMAINS) {
    z.set("TXT", `rsa._domainkey.${d}`, [[dkimTxt(KEYS.awsRsa)]]);
    // a long record split into strings, as DNS serves it
    const ed = dkimTxt(KEYS.awsEd);
    z.set("TXT", `ed._domainkey.${d}`, [[ed.slice(0, 20), ed.slice(20)]]);
    z.set("TXT", `forger._domainkey.${d}`, [[dkimTxt(KEYS.forger)]]);
    z.set("TXT", `weak._domainkey.${d}`, [[dkimTxt(KEYS.weak)]]);
    z.set("TXT", `revoked._domainkey.${d}`, [["v=DKIM1; k=rsa; p="]]);
    z.set("TXT", `broken._domainkey.${d}`, [["v=DKIM1; k=rsa; p=this is not a key!"]]);
    z.set("TXT", `twokeys._domainkey.${d}`, [[dkimTxt(KEYS.forger)], [dkimTxt(KEYS.awsRsa)]]);
  }
  for (const d of ["amazon.com", "aws.com", "example.net"]) z.set("TXT", `_dmarc.${d}`, [["v=DMARC1; p=quarantine"]]);
  return (name, rrtype) => (name.startsWith("dnsfail.") ? Promise.reject(new DnsError("ETIMEOUT", name, rrtype)) : z.resolve(name, rrtype));
}

// ---- recipes: what to sign, how, and what happens to the message afterwards

interface SigRecipe {
  domain: (typeof DOMAINS)[number];
  selector: (typeof SELECTORS)[number];
  key: KeyName;
  canonicalization: string;
  bodyLimit: number | null;
  headerList: string[] | null;
}

const MUTATIONS = [
  "none",
  "body-append",
  "body-change-letter",
  "body-inner-space",
  "body-trailing-space",
  "body-trailing-blank-lines",
  "body-no-final-crlf",
  "subject-changed",
  "header-name-case",
  "header-space-after-colon",
  "subject-refolded",
  "subject-added-on-top",
  "unsigned-header-added",
  "all-bare-lf",
  "body-bare-lf",
  "mixed-line-endings",
  "signature-refolded",
  "signature-name-case",
  "signature-b-damaged",
  "from-added",
] as const;
type Mutation = (typeof MUTATIONS)[number];

interface Recipe {
  base: number;
  sigs: SigRecipe[];
  expires: "none" | "past" | "future" | "before-signing";
  mutations: Mutation[];
  /** Text added to the body before signing: nothing, or enough to cross mailauth's 64 KiB write size. */
  padding: 0 | 70_000;
}

const sigArb: fc.Arbitrary<SigRecipe> = fc.record({
  domain: fc.constantFrom(...DOMAINS),
  selector: fc.constantFrom(...SELECTORS),
  key: fc.constantFrom(...KEY_NAMES),
  canonicalization: fc.constantFrom("relaxed/relaxed", "relaxed/simple", "simple/simple", "simple/relaxed"),
  bodyLimit: fc.option(fc.integer({ min: 1, max: 900 }), { freq: 3 }),
  headerList: fc.option(fc.constantFrom(["From", "Subject", "Date"], ["From", "To", "Subject", "Date", "Message-ID", "X-Missing"], ["from", "subject", "subject", "date"], ["From", "Subject", "DKIM-Signature"]), { freq: 3 }),
});

/** Mostly a key that matches the selector (so signatures verify), sometimes any key. */
const matchedSigArb: fc.Arbitrary<SigRecipe> = fc.tuple(sigArb, fc.nat(9)).map(([s, n]) => {
  if (n < 3) return s;
  const key: KeyName = s.selector === "ed" ? "awsEd" : s.selector === "forger" ? "forger" : s.selector === "weak" ? "weak" : "awsRsa";
  return { ...s, key };
});

const recipeArb: fc.Arbitrary<Recipe> = fc.record({
  base: fc.nat(200),
  sigs: fc.array(matchedSigArb, { minLength: 1, maxLength: 3 }),
  expires: fc.constantFrom("none", "none", "past", "future", "before-signing"),
  mutations: fc.array(fc.constantFrom(...MUTATIONS), { maxLength: 2 }),
  padding: fc.constantFrom(0, 0, 0, 0, 70_000),
});

const generated = makeGenerator(2024);
const BASES: string[] = [
  message(),
  message({ body: NOTICE_BODY.replace(/\r\n/g, "\r\n\r\n") + "\r\n\r\n\r\n" }),
  message({ subject: "Your AWS Abuse Report [12345678901]", headers: ["Received: from a.example by b.example; Wed, 10 Jul 2024 09:30:00 +0000", "X-Tab:\tvalue  with   spaces "] }),
  ...Array.from({ length: 40 }, (_, i) => generated.message(i).message),
];

function mutate(raw: string, m: Mutation): string {
  const sep = raw.indexOf("\r\n\r\n");
  const head = sep >= 0 ? raw.slice(0, sep + 2) : raw;
  const body = sep >= 0 ? raw.slice(sep + 4) : "";
  const join = (h: string, b: string) => `${h}\r\n${b}`;
  switch (m) {
    case "none":
      return raw;
    case "body-append":
      return join(head, body + "P.S. added after signing\r\n");
    case "body-change-letter":
      return join(head, body.replace(/[a-z]/, "Q"));
    case "body-inner-space":
      return join(head, body.replace(/ /, "   "));
    case "body-trailing-space":
      return join(head, body.replace(/\r\n/, " \t\r\n"));
    case "body-trailing-blank-lines":
      return join(head, body + "\r\n\r\n \r\n");
    case "body-no-final-crlf":
      return join(head, body.replace(/(\r\n)+$/, ""));
    case "subject-changed":
      return raw.replace(/^(Subject:[^\r\n]*?)(\w)(\r\n)/m, "$1X$3");
    case "header-name-case":
      return raw.replace(/^Subject:/m, "SUBJECT:").replace(/^Date:/m, "date:");
    case "header-space-after-colon":
      return raw.replace(/^To: /m, "To:    ");
    case "subject-refolded":
      return raw.replace(/^(Subject: \S+) /m, "$1\r\n ");
    case "subject-added-on-top":
      return `Subject: an extra subject on top\r\n${raw}`;
    case "unsigned-header-added":
      return `X-Scanned: yes\r\n${raw}`;
    case "all-bare-lf":
      return raw.replace(/\r\n/g, "\n");
    case "body-bare-lf":
      return join(head, body.replace(/\r\n/g, "\n"));
    case "mixed-line-endings":
      return raw.replace(/\r\n([A-Z])/g, (_m, c: string, at: number) => (at % 3 ? `\r\n${c}` : `\n${c}`));
    case "signature-refolded":
      return raw.replace(/^(DKIM-Signature:[^\r\n]*?;) /m, "$1\r\n\t");
    case "signature-name-case":
      return raw.replace(/^DKIM-Signature:/m, "dkim-signature:");
    case "signature-b-damaged":
      return raw.replace(/(\bb=[A-Za-z0-9+/]{10})[A-Za-z0-9+/]/, (_m, p: string) => `${p}${p.endsWith("A") ? "B" : "A"}`);
    case "from-added":
      return `From: Someone Else <someone@example.org>\r\n${raw}`;
  }
}

async function build(r: Recipe): Promise<Buffer> {
  let base = BASES[r.base % BASES.length]!;
  if (r.padding) {
    const line = "Padding line for a long message, with  some   spaces and\ttabs.  \r\n";
    base += line.repeat(Math.ceil(r.padding / line.length));
  }
  const hour = 3600_000;
  // "before-signing": signed (t=) two hours after the time of checking, expiring (x=) one hour after it
  const expires = { none: undefined, past: new Date(NOW.getTime() - hour), future: new Date(NOW.getTime() + 24 * hour), "before-signing": new Date(NOW.getTime() + hour) }[r.expires];
  const signed = await dkimSign(base, {
    signTime: r.expires === "before-signing" ? new Date(NOW.getTime() + 2 * hour) : SIGN_TIME,
    ...(expires ? { expires } : {}),
    signatureData: r.sigs.map((s) => ({
      signingDomain: s.domain,
      selector: s.selector,
      privateKey: KEYS[s.key],
      algorithm: s.key === "awsEd" ? "ed25519-sha256" : "rsa-sha256",
      canonicalization: s.canonicalization,
      ...(s.bodyLimit !== null ? { maxBodyLength: s.bodyLimit } : {}),
    })),
    ...(r.sigs[0]!.headerList ? { headerList: r.sigs[0]!.headerList } : {}),
  } as never);
  let raw = signed.signatures + base;
  for (const m of r.mutations) raw = mutate(raw, m);
  return Buffer.from(raw, "latin1");
}

/** What abuse-desk reads from a DKIM run (auth.ts), the same shape for both paths. */
function view(o: DkimOutcome | Awaited<ReturnType<typeof dkimVerify>>) {
  return {
    headerFrom: o.headerFrom,
    envelopeFrom: o.envelopeFrom,
    results: (o.results ?? []).map((r) => {
      const st = r.status as unknown as Record<string, unknown>;
      return {
        signingDomain: r.signingDomain || "",
        selector: r.selector ?? null,
        id: r.signingDomain ? (r.id ?? null) : null,
        result: st.result,
        comment: st.comment ?? null,
        aligned: st.aligned ?? null,
        underSized: st.underSized ?? null,
        policy: st.policy ?? null,
      };
    }),
  };
}

const tally = { compared: 0, declined: new Map<string, number>(), outcomes: new Map<string, number>() };

async function compare(raw: Buffer, resolver: DnsResolver): Promise<FastDkimResult> {
  const [fast, ref] = await Promise.all([dkimVerifyFast(raw, { resolver, now: NOW, minBitLength: 1024 }), dkimVerify(raw, { resolver: resolver as never, curTime: NOW, minBitLength: 1024 })]);
  if ("declined" in fast) {
    tally.declined.set(fast.declined, (tally.declined.get(fast.declined) ?? 0) + 1);
    return fast;
  }
  expect(view(fast.outcome)).toEqual(view(ref));
  tally.compared++;
  for (const r of fast.outcome.results) {
    const k = `${r.status.result}${r.status.comment ? ` (${r.status.comment})` : ""}${r.status.underSized ? " undersized" : ""}`;
    tally.outcomes.set(k, (tally.outcomes.get(k) ?? 0) + 1);
  }
  return fast;
}

describe("fast DKIM path against mailauth's dkimVerify", () => {
  beforeEach(() => resetDkimKeyCache());

  it("gives the same outcome for every signature of generated, mutated messages", async () => {
    const resolver = diffZone();
    await fc.assert(
      fc.asyncProperty(recipeArb, async (r) => {
        await compare(await build(r), resolver);
      }),
      { numRuns: 400, seed: 20240710 },
    );
    // the comparison must have been made, over the outcomes that matter
    const outcomes = [...tally.outcomes.keys()].join(" | ");
    expect(tally.compared, `declined: ${JSON.stringify([...tally.declined])}`).toBeGreaterThanOrEqual(360);
    for (const o of ["pass", "fail (bad signature)", "neutral (body hash did not verify)", "neutral (no key)", "neutral (expired)", "neutral (invalid expiration)", "neutral (invalid public key)", "policy", "temperror (DNS failure: ETIMEOUT)"]) {
      expect(outcomes, o).toContain(o);
    }
    expect([...tally.outcomes.keys()].some((k) => k.endsWith("undersized"))).toBe(true);
  });

  it("declines what it does not read, before any DNS lookup", async () => {
    let lookups = 0;
    const counting: DnsResolver = (n, t) => {
      lookups++;
      return diffZone()(n, t);
    };
    const signed = (await build({ base: 0, sigs: [{ domain: "amazon.com", selector: "rsa", key: "awsRsa", canonicalization: "relaxed/simple", bodyLimit: null, headerList: null }], expires: "none", mutations: [], padding: 0 })).toString("latin1");
    const cases: [string, string][] = [
      ["rsa-sha1", signed.replace("a=rsa-sha256", "a=rsa-sha1")],
      ["a comment", signed.replace("; d=", "; (c) d=")],
      ["an unknown tag", signed.replace("; d=", "; zz=1; d=")],
      ["a repeated tag", signed.replace("; d=amazon.com", "; d=amazon.com; d=amazon.com")],
      ["ARC", `ARC-Seal: i=1; a=rsa-sha256; cv=none; d=forwarder.example; s=arc; b=AAAA\r\n${signed}`],
      ["no header end", signed.replace(/\r\n\r\n[\s\S]*$/, "\r\n")],
    ];
    for (const [what, raw] of cases) {
      const r = await dkimVerifyFast(Buffer.from(raw, "latin1"), { resolver: counting, now: NOW });
      expect("declined" in r, what).toBe(true);
    }
    expect(lookups).toBe(0);
  });

  it("a signature over a message longer than mailauth's 64 KiB writes, with l= and bare line feeds", async () => {
    const resolver = diffZone();
    for (const limit of [null, 100, 65_000, 70_000]) {
      for (const mutations of [[], ["all-bare-lf"], ["body-bare-lf", "body-append"]] as Mutation[][]) {
        const raw = await build({ base: 3, sigs: [{ domain: "amazon.com", selector: "rsa", key: "awsRsa", canonicalization: "relaxed/relaxed", bodyLimit: limit, headerList: null }, { domain: "amazonses.com", selector: "rsa", key: "awsRsa", canonicalization: "simple/simple", bodyLimit: limit, headerList: null }], expires: "none", mutations, padding: 70_000 });
        expect(raw.length).toBeGreaterThan(65_536);
        const r = await compare(raw, resolver);
        expect("outcome" in r).toBe(true);
      }
    }
  });
});

describe("the pieces of the fast path against mailauth's readers", () => {
  /** Text made of the characters that matter to line and header splitting. */
  const messy = fc.array(fc.constantFrom("a", "B", ":", " ", "\t", "\r", "\n", "\r\n", "\n\n", "\r\n\r\n", "\xa0", "\x0b", "From: x@y.example", "DKIM-Signature: v=1"), { maxLength: 60 }).map((xs) => xs.join(""));

  it("cuts a message into the header block and body pieces as mailauth's stream does", async () => {
    class Capture extends (MessageParser as unknown as new () => { messageHeaders(h: unknown): Promise<void>; nextChunk(c: Buffer): Promise<void> }) {
      head: Buffer | null = null;
      chunks: Buffer[] = [];
      override async messageHeaders(h: { original: Buffer }) {
        this.head = h.original;
      }
      override async nextChunk(c: Buffer) {
        this.chunks.push(Buffer.from(c));
      }
    }
    await fc.assert(
      fc.asyncProperty(messy, fc.constantFrom(0, 0, 65_530, 65_534, 65_535, 65_536), async (text, pad) => {
        const raw = Buffer.from("X".repeat(pad) + text, "latin1");
        const c = new Capture();
        await writeToStream(c, raw);
        const ours = pieces(raw);
        // a stream that never reaches the end of the header reads it at the end, with no body
        if (!ours) expect(c.chunks).toEqual([]);
        else {
          expect(ours.head).toBe(c.head!.toString("latin1"));
          expect(ours.body.map((b) => b.toString("latin1"))).toEqual(c.chunks.map((b) => b.toString("latin1")));
        }
      }),
      { numRuns: 250 },
    );
  });

  it("reads header lines as mailauth's parseHeaders does", () => {
    fc.assert(
      fc.property(messy, (block) => {
        const ours = headerRows(block);
        const theirs = parseHeaders(Buffer.from(block, "latin1")).parsed.map((r) => ({ key: r.key, casedKey: r.casedKey, line: r.line.toString("latin1") }));
        expect(ours).toEqual(theirs);
      }),
      { numRuns: 500 },
    );
  });

  it("reads DKIM-Signature tags as mailauth's parser does, or declines", () => {
    const ws = fc.constantFrom("", " ", "  ", "\t", "\r\n ", "\r\n\t");
    const tag = fc.tuple(
      fc.constantFrom("v", "a", "c", "d", "s", "h", "bh", "b", "l", "t", "x", "i", "q", "z", "D", "zz"),
      fc.constantFrom("1", "rsa-sha256", "ed25519-sha256", "relaxed/simple", "simple", "amazon.com", "sel-1", "From:To : Subject", "abc+/= def==", "12", "0", "007", "1e3", "", "x y", "dns/txt", "@amazon.com"),
      ws,
      ws,
      ws,
    );
    fc.assert(
      fc.property(fc.array(tag, { maxLength: 12 }), fc.boolean(), (tags, trailingSemicolon) => {
        const line = "DKIM-Signature:" + tags.map(([k, v, w1, w2, w3]) => `${w1}${k}${w2}=${w3}${v}`).join(";") + (trailingSemicolon ? ";" : "");
        const ours = parseSignature(line);
        if (typeof ours === "string") return;
        const theirs = parseDkimHeaders(Buffer.from(line, "latin1")).parsed;
        const val = (k: string) => theirs[k]?.value;
        expect(ours.domain).toBe(val("d"));
        expect(ours.selector).toBe(val("s"));
        expect(ours.algorithm).toBe(val("a"));
        expect(ours.fieldNames).toBe(val("h"));
        expect(ours.bodyHash).toBe(val("bh"));
        expect(ours.b).toBe(val("b"));
        const c = String(val("c") ?? "");
        expect(`${ours.headerCanon}/${ours.bodyCanon}`).toBe(`${c.split("/")[0] || "simple"}/${c.split("/")[1] || "simple"}`);
        expect(ours.maxBodyLength).toBe(val("l") ? val("l") : "");
        expect(ours.expiration?.getTime() ?? null).toBe(theirs.x ? Number(val("x")) * 1000 : null);
        expect(ours.timestamp?.getTime() ?? null).toBe(theirs.t ? Number(val("t")) * 1000 : null);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("abuse-desk's answers are the same through either path", () => {
  const fastOpts = (resolver: DnsResolver): MailAuthOptions => ({ resolver, now: NOW, trustedAuthServIds: [], trustedArcSealers: [] });

  it("authenticateMail: AWS's two signatures (the SES one skipped), mutated", async () => {
    const resolver = diffZone();
    let decisive = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({ base: fc.nat(200), mutations: fc.array(fc.constantFrom(...MUTATIONS), { maxLength: 2 }), ses: fc.constantFrom("rsa", "missing", "forger"), aws: fc.constantFrom("rsa", "ed", "weak", "revoked", "dnsfail", "missing"), from: fc.constantFrom("amazon.com", "support.aws.com", "example.net") }),
        async ({ base, mutations, ses, aws, from }) => {
          const key: KeyName = aws === "ed" ? "awsEd" : aws === "weak" ? "weak" : "awsRsa";
          const raw = await build({
            base,
            sigs: [
              { domain: from === "example.net" ? "amazon.com" : (from as "amazon.com"), selector: aws, key, canonicalization: "relaxed/simple", bodyLimit: null, headerList: null },
              { domain: "amazonses.com", selector: ses, key: ses === "forger" ? "forger" : "awsRsa", canonicalization: "relaxed/simple", bodyLimit: null, headerList: null },
            ] as SigRecipe[],
            expires: "none",
            mutations,
            padding: 0,
          });
          const text = raw.toString("latin1").replace(/^(From:[^\r\n]*@)[^>\s\r\n]+/im, `$1${from}`);
          const item = emailItem(text);
          const a = await authenticateMail(item.raw, item.mail!.headers, item.mail!.from?.address ?? null, fastOpts(resolver));
          const b = await authenticateMail(item.raw, item.mail!.headers, item.mail!.from?.address ?? null, { ...fastOpts(resolver), dkim: "mailauth" });
          expect(a).toEqual(b);
          if (a.auth.dkim.some((d) => d.result === "skipped")) decisive++;
        },
      ),
      { numRuns: 150, seed: 7 },
    );
    expect(decisive).toBeGreaterThan(50);
  });

  it("verify: the generated abuse mailbox (genuine, forwarded, forged, look-alike) gets the same verdicts and reasons", async () => {
    const zone = mailboxZone();
    const box = await generateMailbox(160, 11);
    for (const m of box) {
      const item = emailItem(m.raw);
      const a = await verify(item, { resolver: zone.resolve, now: NOW });
      const b = await verify(item, { resolver: zone.resolve, now: NOW, dkim: "mailauth" });
      expect(a).toEqual(b);
    }
  });
});
