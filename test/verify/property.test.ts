/**
 * Properties over generated and mutated inputs: verify never throws and never calls a changed
 * message authentic; look-alike hosts are never taken for AWS's; text scanners take anything.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { checkRequests, splitQuoted } from "../../src/verify/content.ts";
import { classifyHost } from "../../src/verify/hosts.ts";
import { verify } from "../../src/verify/index.ts";
import { checkLinks, hostsIn, urlsIn } from "../../src/verify/links.ts";
import { REASON_CODES } from "../../src/verify/reasons.ts";
import { awsSign, emailItem, message, NOW, textItem, zone } from "./helpers.ts";
import { hostileTexts } from "./hostile.ts";

const KNOWN = new Set<string>(REASON_CODES);
const LEVELS = ["authentic", "unverified", "suspicious", "phishing"];

describe("verify on mutated notices", () => {
  let signed = "";
  let bodyStart = 0;
  beforeAll(async () => {
    signed = await awsSign(message());
    bodyStart = signed.indexOf("\r\n\r\n") + 4;
  });

  it("changing any letter of the signed body means it is not authentic", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.constantFrom(..."QXZqxz#"), async (n, ch) => {
        const letters = [...signed.slice(bodyStart)].map((c, i) => [c, i] as const).filter(([c]) => /[A-Za-z0-9]/.test(c));
        const [orig, at] = letters[n % letters.length]!;
        fc.pre(orig !== ch);
        const pos = bodyStart + at;
        const mutated = signed.slice(0, pos) + ch + signed.slice(pos + 1);
        const v = await verify(emailItem(mutated), { resolver: zone().resolve, now: NOW });
        expect(v.verdict).not.toBe("authentic");
        expect(v.reasons.map((r) => r.code)).toContain("dkim.body_modified");
      }),
      { numRuns: 40 },
    );
  });

  it("any bytes anywhere: a verdict with known reason codes, never an exception", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.boolean(),
        async (n, bytes, online) => {
          const raw = Buffer.from(signed, "latin1");
          const at = n % raw.length;
          const mutated = Buffer.concat([raw.subarray(0, at), Buffer.from(bytes), raw.subarray(at + (n % 7))]);
          const v = await verify(emailItem(mutated), online ? { resolver: zone().resolve, now: NOW } : { now: NOW });
          expect(LEVELS).toContain(v.verdict);
          for (const r of v.reasons) {
            expect(KNOWN.has(r.code), r.code).toBe(true);
            expect(r.message).not.toMatch(/undefined|\[object Object\]/);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it("pasted text is never authentic, whatever it says", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 400 }), async (s) => {
        const v = await verify(textItem(s + signed), { resolver: zone().resolve, now: NOW });
        expect(v.verdict).not.toBe("authentic");
      }),
      { numRuns: 40 },
    );
  });
});

describe("hosts", () => {
  const CONFUSABLE: Record<string, string[]> = { a: ["а", "ɑ", "α"], o: ["о", "ο", "0"], m: ["rn", "м"], s: ["ѕ", "5"], w: ["ѡ", "vv"], e: ["е", "3"], c: ["с"], n: ["п"], z: ["ᴢ"] };

  it("an AWS domain with one character of its registrable part swapped for a look-alike is never AWS's", () => {
    fc.assert(
      fc.property(fc.constantFrom("amazon.com", "aws.amazon.com", "amazonaws.com", "aws.com"), fc.nat(), fc.nat(), (domain, i, j) => {
        // (a look-alike *subdomain* of amazon.com, like аws.amazon.com, is still Amazon's own host)
        const registrable = domain.length - (domain.split(".").slice(-2).join(".").length);
        const positions = [...domain].map((c, k) => [c, k] as const).filter(([c, k]) => CONFUSABLE[c] && k >= registrable);
        const [c, k] = positions[i % positions.length]!;
        const options = CONFUSABLE[c]!;
        const fake = domain.slice(0, k) + options[j % options.length]! + domain.slice(k + 1);
        const info = classifyHost(fake);
        expect(["homograph", "lookalike", "subdomain-trick", "invalid"], `${fake} -> ${info.ascii}: ${info.kind}`).toContain(info.kind);
      }),
      { numRuns: 300 },
    );
  });

  it("an AWS domain placed in front of any other domain is a subdomain trick", () => {
    fc.assert(
      fc.property(fc.constantFrom("aws.amazon.com", "amazon.com", "signin.aws.amazon.com", "amazonaws.com"), fc.stringMatching(/^[a-z]{3,12}$/), fc.constantFrom("net", "org", "io", "example"), (aws, label, tld) => {
        fc.pre(!["amazon", "amazonaws", "aws"].includes(label));
        expect(classifyHost(`${aws}.${label}.${tld}`).kind).toBe("subdomain-trick");
      }),
      { numRuns: 200 },
    );
  });

  it("classifyHost takes any string", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        expect(typeof classifyHost(s).kind).toBe("string");
      }),
      { numRuns: 300 },
    );
  });
});

describe("text scanners take anything", () => {
  it("hostsIn, urlsIn, splitQuoted, checkRequests and checkLinks on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000, unit: fc.constantFrom(..."a.-/:@ <>\n\tаw0sxn-–http") }), (s) => {
        hostsIn(s);
        const links = urlsIn(s);
        const { own } = splitQuoted(s, [s.slice(0, 20)]);
        checkRequests(own);
        checkLinks([...links, { href: s.slice(0, 100), text: s.slice(0, 50), part: "html" }], own, { reported: new Set() });
      }),
      { numRuns: 300 },
    );
  });
});

describe("hostile inputs finish (a quadratic pattern on 100 KB would not)", () => {
  for (const [name, text] of Object.entries(hostileTexts(100_000))) {
    it(name, async () => {
      const asMail = message({ from: `AWS <${text.slice(0, 200)}@amazon.com>`, subject: text.slice(0, 5000).replace(/\n/g, " "), body: text });
      const v = await verify(emailItem(asMail, { mail: { links: [{ href: text.slice(0, 20_000), text: text.slice(0, 300), part: "html" }] } }), { resolver: zone().resolve, now: NOW });
      expect(LEVELS).toContain(v.verdict);
      const t = await verify(textItem(text, { from: text.slice(0, 2000) }), { now: NOW });
      expect(t.verdict).not.toBe("authentic");
    });
  }
});
