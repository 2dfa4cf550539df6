/** Bad input never crashes or hangs: a clear UserError, or a notice with what could be read and warnings. */
import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/notice/index.ts";
import { UserError } from "../../src/errors.ts";
import { fixture, text } from "./helpers/load.ts";
import { rng } from "./helpers/generate.ts";

describe("bad input", () => {
  it("empty and blank files", async () => {
    await expect(parseInput(Buffer.alloc(0))).rejects.toThrow(UserError);
    await expect(parseInput(text(" \n\r\n\t "))).rejects.toThrow(/empty/);
  });

  it("random bytes are refused as binary", async () => {
    const r = rng(3);
    const bytes = Buffer.from(Array.from({ length: 4096 }, () => Math.floor(r() * 256)));
    await expect(parseInput(bytes)).rejects.toThrow(/binary/);
  });

  it("truncated MIME: what was read, with a warning", async () => {
    const whole = fixture("aws2017-multi-resource.eml").toString();
    const cut = whole.slice(0, whole.indexOf("Details of the abusive activity"));
    const { items } = await parseInput(text(cut));
    expect(items[0]!.notice.instanceIds).toEqual(["i-0a1b2c3d4e5f6a7b8"]);
    expect(items[0]!.notice.warnings.join(" ")).toMatch(/cut off/);
  });

  it("a 10 MB line", async () => {
    const big = "Subject: x\nFrom: a@example.com\nDate: Mon, 01 Jan 2024 00:00:00 +0000\n\nInstance Id: i-0123456789abcdef0 " + "A".repeat(10 * 1024 * 1024);
    const { items } = await parseInput(text(big));
    expect(items[0]!.notice.instanceIds).toEqual(["i-0123456789abcdef0"]);
    expect(items[0]!.notice.warnings.join(" ")).toMatch(/longer than 2 MiB/);
  });

  it("deeply nested multiparts are read to a bound", async () => {
    let body = "Content-Type: text/plain\n\nAWS ID: 111122223333 Region: us-east-1 EC2 Instance Id: i-0123456789abcdef0\n";
    for (let d = 0; d < 60; d++) body = `Content-Type: multipart/mixed; boundary="b${d}"\n\n--b${d}\n${body}\n--b${d}--\n`;
    const { items } = await parseInput(text(`From: a@example.com\nSubject: nested\nMIME-Version: 1.0\n${body}`));
    expect(items).toHaveLength(1);
    expect(items[0]!.notice.warnings.join(" ")).toMatch(/nested deeper/);
  });

  it("broken base64 decodes what it can", async () => {
    const good = Buffer.from("Reported Activity: Port Scanning\nAWS Account ID: 111122223333\n").toString("base64");
    const msg = `From: a@example.com\nSubject: b64\nMIME-Version: 1.0\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n${good}!!@@##$$%%\n====AAA`;
    const { items } = await parseInput(text(msg));
    expect(items[0]!.notice.activityType).toBe("port_scan");
    expect(items[0]!.notice.accountIds).toEqual(["111122223333"]);
  });

  it("unknown charset and transfer encoding fall back to mailparser", async () => {
    const msg = "From: a@example.com\nSubject: odd\nMIME-Version: 1.0\nContent-Type: text/plain; charset=x-unknown-9\nContent-Transfer-Encoding: x-uuencode\n\nAWS ID: 111122223333\n";
    const { items } = await parseInput(text(msg));
    expect(items).toHaveLength(1);
  });

  it("JSON that is not a Health event, and JSON that cannot be read", async () => {
    await expect(parseInput(text('{"hello": "world"}'))).rejects.toThrow(/not an AWS Health event/);
    await expect(parseInput(text("[1, 2, 3]"))).rejects.toThrow(UserError);
    await expect(parseInput(text('{"a": @@@}'))).rejects.toThrow(/cannot be read/);
  });

  it("an mbox with an unreadable message keeps the others", async () => {
    const mbox = "From a@example.com Mon Jan  1 00:00:00 2024\nFrom: a@example.com\nSubject: ok\n\nReported Activity: Port Scanning\n\nFrom b@example.com Mon Jan  1 00:00:00 2024\nFrom: b@example.com\nSubject: two\n\nThis case has been investigated and resolved.\n";
    const r = await parseInput(text(mbox));
    expect(r.items.map((i) => i.notice.kind)).toEqual(["initial_report", "resolved"]);
    expect(r.failures).toEqual([]);
  });

  it("UTF-16 text and Latin-1 text are decoded", async () => {
    const s = "Reported Activity: Port Scanning\nAbuse Time: 27 Apr 2023 14:46:47 GMT\n";
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, "utf16le")]);
    expect((await parseInput(utf16)).items[0]!.notice.activityType).toBe("port_scan");
    const latin1 = Buffer.from("Caf\xe9 said: Reported Activity: Open Proxy\nReported Activity: Open Proxy\n", "latin1");
    expect((await parseInput(latin1)).items[0]!.notice.activityType).toBe("open_proxy");
  });

  it("prose that starts like JSON is read as a pasted notice", async () => {
    const { items } = await parseInput(text("[12345678901] Your AWS Abuse Report\n\nReported Activity: Port Scanning\n"));
    expect(items[0]!.format).toBe("text");
    expect(items[0]!.notice).toMatchObject({ caseNumber: "12345678901", activityType: "port_scan" });
    expect((await parseInput(text("[AWS] Your AWS Abuse Report\nReported Activity: Open Proxy\n"))).items[0]!.notice.activityType).toBe("open_proxy");
  });

  it("text that is not a notice says so", async () => {
    const { items } = await parseInput(text("Hello Bob, lunch at noon?\n"));
    expect(items[0]!.notice.activityType).toBe("other");
    expect(items[0]!.notice.warnings.join(" ")).toMatch(/does not look like an AWS abuse notice/);
  });
});
