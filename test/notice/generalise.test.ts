/**
 * Rules added so the parser reads formats rather than files: each is checked here on its own,
 * beside the scored fixtures (./expected.test.ts) that exercise them inside whole notices.
 */
import { describe, expect, it } from "vitest";
import { ACCOUNT_COMPROMISED, classifyPhrase } from "../../src/notice/extract/activity.ts";
import { jsonMember } from "../../src/notice/extract/fields.ts";
import { findIPs, isAccessKeyId, isIPv4 } from "../../src/notice/extract/ids.ts";
import { findRegions, isRegionCode } from "../../src/notice/extract/regions.ts";
import { unwrapInlineForward } from "../../src/notice/mime/forward.ts";
import { parseOne, text } from "./helpers/load.ts";

describe("shape tests leave no state behind", () => {
  it("an IP test does not make the next search skip an address", () => {
    expect(isIPv4("198.51.100.4")).toBe(true);
    expect(findIPs("198.51.100.9").map((x) => x.ip)).toEqual(["198.51.100.9"]);
  });
  it("a region test does not make the next search skip a region", () => {
    expect(isRegionCode("eu-west-1")).toBe(true);
    expect(findRegions("us-east-2").map((x) => x.code)).toEqual(["us-east-2"]);
  });
});

describe("access keys", () => {
  it("a publisher's placeholder written as a key is a key; a run of X's is a mask", () => {
    expect(isAccessKeyId("AKIAIOSFODNN7EXAMPLE")).toBe(true);
    expect(isAccessKeyId("AKIAXXXXXXXXXXXXXXXX")).toBe(false);
    expect(isAccessKeyId("AKIA2XXXXXXXXXXXWBAA")).toBe(false);
  });
  it("a masked key is listed as a redaction, never as an id", async () => {
    const n = await parseOne(text("We have become aware that the AWS Access Key AKIAXXXXXXXXXXXXXXXX is publicly available online at https://github.com/example/x\n"));
    expect(n.accessKeyIds).toEqual([]);
    expect(n.redactions.some((r) => r.field === "accessKeyIds" && r.text === "AKIAXXXXXXXXXXXXXXXX")).toBe(true);
  });
});

describe("JSON members on their own lines", () => {
  it("strings, numbers, inline arrays; an object opener has no value", () => {
    expect(jsonMember('  "destination_ip": "203.0.113.7",')).toEqual({ label: "destination_ip", value: "203.0.113.7" });
    expect(jsonMember('"destination_port": 22')).toEqual({ label: "destination_port", value: "22" });
    expect(jsonMember('  "ports_scanned": [21, 22, "23"],')).toEqual({ label: "ports_scanned", value: "21, 22, 23" });
    expect(jsonMember('  "reporter": {')).toEqual({ label: "reporter", value: "{" });
    expect(jsonMember("Remote IP: 203.0.113.7")).toBeNull();
  });
  it("an X-ARF v4 array of ports spread over lines is one list", async () => {
    const n = await parseOne(text('---Beginning of forwarded report(s)---\n{\n  "xarf_version": "4.0.0",\n  "type": "port_scan",\n  "destination_ip": "203.0.113.50",\n  "ports_scanned": [\n    21,\n    22,\n    23\n  ],\n  "protocol": "tcp"\n}\n'));
    expect(n.activityType).toBe("port_scan");
    expect(n.remoteIps).toEqual(["203.0.113.50"]);
    expect(n.remotePorts).toEqual([21, 22, 23]);
  });
});

describe("compromise sentences", () => {
  it.each([
    ["your AWS account may have been compromised", true],
    ["Your AWS account 111122223333 could be compromised", true],
    ["your account appears to have been compromised", true],
    ["We believe your account is not compromised", false],
  ])("%s", (s, yes) => {
    expect(ACCOUNT_COMPROMISED.test(s)).toBe(yes);
    expect(classifyPhrase(s)).toBe(yes ? "account_compromise" : null);
  });
});

describe("forwards", () => {
  it("a forward marker inside the reporter's report does not replace AWS's notice", () => {
    const t = "We've received a report(s) that your AWS resource(s)\n\n---Beginning of forwarded report(s)---\n\n---------- Forwarded message ---------\nFrom: spam@example.net\nSubject: win\n\nbody\n";
    expect(unwrapInlineForward(t).forwarded).toBe(false);
  });
  it("a forward around the notice is still unwrapped", () => {
    const t = "FYI\n\n---------- Forwarded message ---------\nFrom: AWS <ec2-abuse@amazon.com>\nSubject: Your AWS Abuse Report [12345678901]\n\nWe've received a report(s)\n---Beginning of forwarded report(s)---\nx\n";
    const u = unwrapInlineForward(t);
    expect(u.forwarded).toBe(true);
    expect(u.subject).toBe("Your AWS Abuse Report [12345678901]");
  });
});

describe("the reporter's URLs", () => {
  it("the claimant's original and the brand's legitimate site are not the incident's", async () => {
    const n = await parseOne(text("has been implicated in hosting a phishing website.\n---Beginning of forwarded report(s)---\nThe page imitates the legitimate site https://bank.example/login and is hosted at\nhttps://198.51.100.8/bank/login.php\n"));
    expect(n.activityType).toBe("phishing");
    expect(n.destinationUrls).toEqual(["https://198.51.100.8/bank/login.php"]);
  });
});

describe("Elastic IPs", () => {
  it("an allocation id is a resource, not a public IP; the address beside it is both", async () => {
    const n = await parseOne(text("Elastic IP: 198.51.100.4 (eipalloc-0123456789abcdef0)\n"));
    expect(n.publicIps).toEqual(["198.51.100.4"]);
    expect(n.resources.map((r) => `${r.type} ${r.id}`).sort()).toEqual(["elastic-ip 198.51.100.4", "elastic-ip eipalloc-0123456789abcdef0"]);
  });
});

describe("the e-mail thread (References)", () => {
  const mail = (extra: string) =>
    text(`From: AWS <ec2-abuse@amazon.com>\nSubject: Re: Your AWS Abuse Report [12345678901]\nDate: Mon, 4 Jan 2016 09:15:00 +0000\nMessage-ID: <n2@aws.example>\n${extra}\nHello,\n\nWe have not heard back from you regarding this case.\n`);

  it("References, oldest first, each once", async () => {
    const n = await parseOne(mail("References: <n0@aws.example>\n <r1@customer.example> <n0@aws.example>\nIn-Reply-To: <r1@customer.example>\n"));
    expect(n.messageId).toBe("<n2@aws.example>");
    expect(n.references).toEqual(["<n0@aws.example>", "<r1@customer.example>"]);
  });

  it("In-Reply-To when there is no References; absent when neither", async () => {
    expect((await parseOne(mail("In-Reply-To: <r1@customer.example>\n"))).references).toEqual(["<r1@customer.example>"]);
    expect((await parseOne(mail(""))).references).toBeUndefined();
  });

  it("a notice forwarded inline: the forwarder's thread is not AWS's", async () => {
    const fwd = text("From: me@example.com\nSubject: Fwd: notice\nMessage-ID: <f1@example.com>\nReferences: <x@example.com>\n\n---------- Forwarded message ---------\nFrom: AWS <ec2-abuse@amazon.com>\nSubject: Your AWS Abuse Report [12345678901]\n\nHello,\n");
    expect((await parseOne(fwd)).references).toBeUndefined();
  });

  it("a notice attached as message/rfc822: its own thread", async () => {
    const rfc = text('From: me@example.com\nSubject: Fwd: notice\nMessage-ID: <f1@example.com>\nReferences: <x@example.com>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nsee attached\n--b\nContent-Type: message/rfc822\n\nFrom: AWS <ec2-abuse@amazon.com>\nSubject: Your AWS Abuse Report [12345678901]\nMessage-ID: <n9@aws.example>\nReferences: <n8@aws.example>\n\nHello,\n--b--\n');
    const n = await parseOne(rfc);
    expect(n.messageId).toBe("<n9@aws.example>");
    expect(n.references).toEqual(["<n8@aws.example>"]);
  });
});

describe("the reporter's own timestamps", () => {
  const notice = (report: string) => text(`has been implicated in activity which resembles scanning remote hosts.\n---Beginning of forwarded report(s)---\n${report}`);

  it("are the window when nothing labelled gives one: earliest to latest, in the zone the report states", async () => {
    const n = await parseOne(notice("Connection attempts (all times are CET):\n2024-02-20 11:00:05 192.0.2.1 -> 203.0.113.9:22\n2024-02-20 11:07:40 192.0.2.1 -> 203.0.113.9:23\n"));
    expect(n.window).toEqual({ begin: "2024-02-20T10:00:05Z", end: "2024-02-20T10:07:40Z" });
  });

  it("a year-less log time takes its year from a dated time in the same text when there is no message date", async () => {
    const n = await parseOne(notice("May  3 04:12:01 host sshd[1]: Failed password for root from 192.0.2.61 port 40622 ssh2\n2024-05-03 04:12:10 fail2ban.actions: Ban 192.0.2.61\n"));
    expect(n.window.begin).toBe("2024-05-03T04:12:01Z");
  });

  it("never outrank a labelled time", async () => {
    const n = await parseOne(text("Abuse Time: 2024-02-19 08:00:00 UTC\n---Beginning of forwarded report(s)---\n2024-02-20 11:00:05 192.0.2.1 -> 203.0.113.9:22\n"));
    expect(n.window.begin).toBe("2024-02-19T08:00:00Z");
    expect(n.window.end).toBeNull();
  });
});

describe("gate words, found in one pass", () => {
  it("a word is found where a longer registered word starting at the same place hides it, and inside others", async () => {
    const { Ctx, gates } = await import("../../src/notice/extract/context.ts");
    const { NoticeBuilder } = await import("../../src/notice/extract/builder.ts");
    const { makeDoc } = await import("../../src/notice/extract/text.ts");
    gates(["zqx", "zqxwv", "wvu"]);
    const ctx = new Ctx(makeDoc("aa ZQXWVU bb"), { text: "", part: "body", reference: null }, new NoticeBuilder());
    expect(ctx.anyAws(["zqx"])).toBe(true); // hidden by "zqxwv" at the same place
    expect(ctx.anyAws(["zqxwv"])).toBe(true);
    expect(ctx.anyAws(["wvu"])).toBe(true); // overlapping the longer word
    expect(ctx.anyAws(["not-registered-bb"])).toBe(false);
    expect(ctx.anyAws(["bb"])).toBe(true); // not registered: searched
  });
});
