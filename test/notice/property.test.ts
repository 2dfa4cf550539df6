/**
 * Properties over mutated notices (fast-check): parsing never throws anything but UserError,
 * every identifier it reports has the identifier's shape, and a masked value is never reported
 * as an identifier.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseInput } from "../../src/notice/index.ts";
import { UserError } from "../../src/errors.ts";
import type { Notice } from "../../src/notice/types.ts";
import { fixture } from "./helpers/load.ts";

const SOURCES = [
  "legacy-port-scan.txt", "trust-safety-final.txt", "dos-mitigation-table.txt", "form-fields.txt", "xarf-forwarded.txt",
  "aws2017-multi-resource.eml", "credentials-exposed-base64.eml", "html-only.eml", "forwarded-inline.eml", "health-eventbridge-abuse.json",
  "health-event-fragment.txt", "three-messages.mbox", "health-console-open-proxy.txt",
].map((n) => fixture(n).toString("utf8"));

const NOISE = ["x", "*", "■", ":", "\n", " ", "<<<", ">>>", "-", ".", "(", ")", "\"", "{", "[", "i-", "AKIA", "arn:aws:", "2024-", "UTC", "Region: ", "AWS ID: ", "\r\n", "=", "=?utf-8?B?", "--"];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...NOISE), fc.string({ maxLength: 12 })) }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(s: string, ms: { kind: string; at: number; len?: number; text?: string }[]): string {
  let out = s;
  for (const m of ms) {
    const at = out.length ? m.at % out.length : 0;
    if (m.kind === "delete") out = out.slice(0, at) + out.slice(at + (m.len ?? 1));
    else if (m.kind === "insert") out = out.slice(0, at) + (m.text ?? "") + out.slice(at);
    else if (m.kind === "duplicate") out = out.slice(0, at) + out.slice(at, at + (m.len ?? 1)) + out.slice(at);
    else if (m.kind === "truncate") out = out.slice(0, Math.max(at, 1));
  }
  return out;
}

const SHAPES: Partial<Record<keyof Notice, RegExp>> = {
  instanceIds: /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/,
  accountIds: /^\d{12}$/,
  accessKeyIds: /^(?:AKIA|ASIA)[A-Z0-9]{16}$/,
  networkInterfaceIds: /^eni-[0-9a-f]{8,17}$/,
  regions: /^(?:[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}|global)$/,
  publicIps: /^[0-9a-f.:]+$/,
  remoteIps: /^[0-9a-f.:]+$/,
};

function checkNotice(n: Notice): void {
  for (const [field, re] of Object.entries(SHAPES)) for (const v of n[field as keyof Notice] as string[]) expect(v, field).toMatch(re!);
  if (Array.isArray(n.remotePorts)) for (const p of n.remotePorts) expect(p >= 0 && p <= 65535).toBe(true);
  else expect(Number.isInteger(n.remotePorts.count)).toBe(true);
  for (const t of [n.window.begin, n.window.end, n.deadline.at]) if (t) expect(Number.isNaN(Date.parse(t))).toBe(false);
  expect(n.warnings.length).toBeLessThanOrEqual(50);
  expect(n.fields.length).toBeLessThanOrEqual(2000);
  for (const s of Object.values(n.provenance)) for (const src of s) expect(src.excerpt.length).toBeLessThanOrEqual(200);
}

async function parseAll(s: string): Promise<Notice[]> {
  try {
    return (await parseInput(Buffer.from(s, "utf8"))).items.map((i) => i.notice);
  } catch (e) {
    if (e instanceof UserError) return [];
    throw e;
  }
}

describe("properties", () => {
  it("mutated notices never throw (but UserError) and report only well-formed identifiers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SOURCES), fc.array(mutation, { minLength: 1, maxLength: 8 }), async (src, ms) => {
        for (const n of await parseAll(mutate(src, ms))) checkNotice(n);
      }),
      { numRuns: 300, seed: 20240705 },
    );
  });

  it("a masked identifier is never reported as an identifier", async () => {
    const mask = fc.constantFrom("xx", "xxxx", "****", "■■", "XX");
    await fc.assert(
      fc.asyncProperty(mask, mask, mask, fc.integer({ min: 0, max: 10 }), async (m1, m2, m3, cut) => {
        const acct = `1111${m1}3333`.slice(0, 12);
        const inst = `i-0c29${m2}${"a".repeat(cut)}7`;
        const ip = `203.0.${m3}.${m3}`;
        const text = `We've received a report(s) that your AWS resource(s)\n\nAWS ID: ${acct}    Region: eu-west-1    EC2 Instance Id: ${inst} [${ip}]\n\nhas been implicated in activity which resembles scanning remote hosts.\nRemote IP: ${ip}\n`;
        const [n] = await parseAll(text);
        expect(n!.accountIds).toEqual([]);
        expect(n!.instanceIds).toEqual([]);
        expect(n!.publicIps).toEqual([]);
        expect(n!.remoteIps).toEqual([]);
        expect(n!.redactions.map((r) => r.field)).toEqual(expect.arrayContaining(["accountIds", "instanceIds", "publicIps"]));
        expect(n!.regions).toEqual(["eu-west-1"]);
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it("Health-event-shaped JSON with any values never throws (but UserError)", async () => {
    const anyish = fc.anything({ maxDepth: 3 });
    const detail = fc.record(
      { eventTypeCode: fc.oneof(fc.constant("AWS_ABUSE_DOS_REPORT"), anyish), eventArn: anyish, startTime: anyish, endTime: anyish, eventRegion: anyish, eventDescription: anyish, affectedEntities: anyish },
      { requiredKeys: [] },
    );
    const event = fc.record(
      { "detail-type": fc.oneof(fc.constant("AWS Health Abuse Event"), fc.string()), source: fc.oneof(fc.constant("aws.health"), anyish), account: anyish, time: anyish, region: anyish, resources: anyish, detail: fc.oneof(detail, anyish) },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(event, fc.array(event, { maxLength: 3 }), fc.json().map((j) => JSON.parse(j) as unknown)), async (v) => {
        try {
          for (const item of (await parseInput(Buffer.from(JSON.stringify(v) ?? "null"))).items) checkNotice(item.notice);
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
        }
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it("arbitrary text never throws", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 2000, unit: "grapheme" }), async (s) => {
        for (const n of await parseAll(s)) checkNotice(n);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
