/**
 * The notice as received (src/web/notice-received.ts): the text the parser read, whole, each fact
 * marked on the line its source names; HTML bodies as the parser's text rendition, Health events
 * by their description, forwarded messages by the forwarded message; and a statement, never an
 * empty view, when the bytes are not there.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { NoticeRaw } from "../../src/case/notice-raw.ts";
import type { StoredNotice } from "../../src/case/types.ts";
import { parseInput } from "../../src/notice/index.ts";
import { authSummary, receivedView } from "../../src/web/notice-received.ts";

const FIX = join(import.meta.dirname, "../../fixtures/notices");

async function viewOf(bytes: Buffer) {
  const { items } = await parseInput(bytes, { now: new Date("2026-01-10T00:00:00Z") });
  const item = items[0]!;
  const stored = { id: 1, notice: item.notice } as unknown as StoredNotice;
  const raw: NoticeRaw = { state: "kept", noticeId: 1, size: item.raw.length, sha256: "x", bytes: item.raw };
  return { notice: item.notice, view: await receivedView(stored, raw) };
}

const text = (v: Awaited<ReturnType<typeof viewOf>>["view"]) => v.lines.map((l) => l.map((s) => s.text).join("")).join("\n");
const marked = (v: Awaited<ReturnType<typeof viewOf>>["view"], fact: string) => v.lines.flatMap((l, i) => l.filter((s) => s.fact === fact).map((s) => ({ line: i + 1, text: s.text })));

describe("the notice as received", () => {
  it("shows every line of the text the parser read, each fact marked on the line its source names", async () => {
    const { notice, view } = await viewOf(readFileSync(join(FIX, "aws2017-multi-resource.eml")));
    expect(view.state).toBe("kept");
    expect(view.textIs).toBe("the text body, decoded");
    // every instance id the parser read is marked on the line it was read from (the source's line)
    for (const [i, id] of notice.instanceIds.entries()) {
      const src = notice.provenance.instanceIds![i]!;
      expect(marked(view, "instanceIds")).toContainEqual({ line: src.line, text: id });
    }
    expect(view.marked).toBeGreaterThan(notice.instanceIds.length);
    expect(view.headers.map((h) => h.name)).toEqual(expect.arrayContaining(["From", "Subject", "Date"]));
  });

  it("an HTML-only message is shown as the parser's text rendition, never as its HTML", async () => {
    const raw = readFileSync(join(FIX, "html-only.eml"));
    const { view } = await viewOf(raw);
    expect(view.textIs).toMatch(/text rendition of its HTML body/);
    expect(text(view)).not.toMatch(/<(?:p|div|br|html|body|table|td)\b/i);
    expect(view.marked).toBeGreaterThan(0);
  });

  it("a notice forwarded as an attachment shows the forwarder's headers and the forwarded message's", async () => {
    const { view } = await viewOf(readFileSync(join(FIX, "forwarded-rfc822.eml")));
    expect(view.textIs).toMatch(/^the forwarded message's/);
    expect(view.forwarded.length).toBeGreaterThan(0);
    expect(view.marked).toBeGreaterThan(0);
  });

  it("a Health event is shown by its description, its facts marked", async () => {
    const { notice, view } = await viewOf(readFileSync(join(FIX, "health-eventbridge-abuse.json")));
    expect(notice.format).toBe("health-event");
    expect(view.textIs).toBe("the Health event's description");
    expect(text(view).length).toBeGreaterThan(20);
    expect(text(view)).not.toContain('"eventTypeCode"');
    expect(view.marked).toBeGreaterThan(0);
  });

  it("places a fact whose source has no line by its value, literally (no pattern is built from notice text)", async () => {
    const body = "Subject: Your AWS Abuse Report [123] [AWS ID 111122223333]\nFrom: ec2-abuse@amazon.com\n\nInstance Id: i-0123456789abcdef0\nRemote IP: 198.51.100.(7|8)*\n";
    const { view } = await viewOf(Buffer.from(body));
    expect(marked(view, "instanceIds").map((m) => m.text)).toContain("i-0123456789abcdef0");
  });

  it("says why when the bytes are not there: too large, not kept, not matching", async () => {
    const stored = { id: 3, notice: (await viewOf(Buffer.from("Instance Id: i-0123456789abcdef0\n"))).notice } as unknown as StoredNotice;
    const tooLarge = await receivedView(stored, { state: "too-large", noticeId: 3, size: 5_000_000, sha256: "a", reason: "the notice is 5000000 bytes, larger than the 4194304 bytes the store keeps" });
    expect(tooLarge).toMatchObject({ state: "too-large", size: 5_000_000, lines: [], statement: expect.stringContaining("larger than") });
    expect(await receivedView(stored, { state: "not-kept", noticeId: 3, reason: "not kept" })).toMatchObject({ state: "not-kept", statement: "not kept", lines: [] });
  });

  it("summarises Authentication-Results by method and result", () => {
    expect(authSummary("mx.example.com; spf=pass smtp.mailfrom=amazon.com; dkim=pass (2048-bit key) header.d=amazon.com; dmarc=pass (p=QUARANTINE) header.from=amazon.com")).toBe(
      "mx.example.com: spf=pass dkim=pass dmarc=pass",
    );
    expect(authSummary("mx.example.com; none")).toBe("mx.example.com: no results stated");
  });
});
