/** The single-purpose modules: one time parser, one region table, ports, activity vocabulary, redaction, deadline, mitigations. */
import { describe, expect, it } from "vitest";
import { parseTime } from "../../src/notice/extract/times.ts";
import { findRegions, regionCode } from "../../src/notice/extract/regions.ts";
import { parsePorts, protocolName } from "../../src/notice/extract/ports.ts";
import { classifyHealthCode, classifyPhrase } from "../../src/notice/extract/activity.ts";
import { isRedactedId, isRedactedText } from "../../src/notice/extract/redaction.ts";
import { decideDeadline, findStatedDeadlines } from "../../src/notice/extract/deadline.ts";
import { findMitigations } from "../../src/notice/extract/mitigations.ts";
import { parseJsonLenient } from "../../src/notice/health/json.ts";
import { findIPs, isPublicIP } from "../../src/notice/extract/ids.ts";
import { parseLabel, canonicalLabel } from "../../src/notice/extract/fields.ts";

const src = { part: "body" as const, excerpt: "" };

describe("times (UTC, explicit)", () => {
  const ref = new Date("2015-10-02T00:00:00Z");
  it.each([
    ["2018-11-28 02:04:18 UTC", "2018-11-28T02:04:18Z"],
    ["10 Jul 2024 02:21:07 UTC", "2024-07-10T02:21:07Z"],
    ["27 Apr 2023 14:46:47 GMT", "2023-04-27T14:46:47Z"],
    ["29-Apr-2016 08:11:37 UTC", "2016-04-29T08:11:37Z"],
    ["Fri Mar 03 03:33:33 UTC 2013", "2013-03-03T03:33:33Z"],
    ["Tue, 27 Nov 2018 01:30:00 GMT", "2018-11-27T01:30:00Z"],
    ["2022-12-21T09:46:18.719000-05:00", "2022-12-21T14:46:18.719Z"],
    ["October 14, 2021 at 6:30:56 AM UTC+3", "2021-10-14T03:30:56Z"],
    ["2018-01-15 15:37 -0800", "2018-01-15T23:37:00Z"],
    ["2018-11-27T01:30:00Z <<fill this time in GMT>>", "2018-11-27T01:30:00Z"],
    ["Jul 10, 2024, 11:21:07 PM PDT", "2024-07-11T06:21:07Z"],
    ["2024/07/10 02:21:07", "2024-07-10T02:21:07Z"],
    ["2024-03-01T10:00:00+09:00", "2024-03-01T01:00:00Z"],
  ])("%s", (text, iso) => {
    expect(parseTime(text, { reference: ref })?.iso).toBe(iso);
  });
  it("a year-less time takes the message's year, or the year before when it would be in the future", () => {
    expect(parseTime("Wed Sep 30 14:39:00 UTC", { reference: ref })).toMatchObject({ iso: "2015-09-30T14:39:00Z", yearInferred: true });
    expect(parseTime("Dec 31 23:00:00 UTC", { reference: new Date("2016-01-01T05:00:00Z") })?.iso).toBe("2015-12-31T23:00:00Z");
    expect(parseTime("Wed Sep 30 14:39:00 UTC")).toBeNull();
  });
  it("IANA zone names", () => {
    expect(parseTime("2024-01-15 09:00 Asia/Tokyo")?.iso).toBe("2024-01-15T00:00:00Z");
  });
  it("rejects impossible dates and non-times", () => {
    expect(parseTime("2023-02-30 10:00:00 UTC")).toBeNull();
    expect(parseTime("2023-13-01")).toBeNull();
    expect(parseTime("Total bytes sent: 61200")).toBeNull();
    expect(parseTime("25:61")).toBeNull();
  });
});

describe("regions", () => {
  it("maps names to codes, keeps codes and global", () => {
    expect(regionCode("US East (N. Virginia)")).toBe("us-east-1");
    expect(regionCode("Europe (Ireland)")).toBe("eu-west-1");
    expect(regionCode("EU (Frankfurt)")).toBe("eu-central-1");
    expect(regionCode("South America (São Paulo)")).toBe("sa-east-1");
    expect(regionCode("global")).toBe("global");
    expect(regionCode("ap-southeast-2")).toBe("ap-southeast-2");
    expect(regionCode("Narnia (North)")).toBeNull();
  });
  it("finds codes and names in text, not partial codes", () => {
    expect(findRegions("put on probation in AWS region US West (Oregon). Also eu-north-1 and ap-northeast-").map((r) => r.code)).toEqual(["us-west-2", "eu-north-1"]);
  });
});

describe("ports and protocols", () => {
  it("reads lists, counts, port/protocol pairs", () => {
    expect(parsePorts("80").ports).toEqual([80]);
    expect(parsePorts("22, 443 and 8080").ports).toEqual([22, 443, 8080]);
    expect(parsePorts("multiple ports (1505 ports in total)").count).toBe(1505);
    expect(parsePorts("30303/UDP")).toEqual({ ports: [30303], protocols: ["UDP"] });
    expect(parsePorts("70000, 22").ports).toEqual([22]);
  });
  it("names protocol numbers", () => {
    expect(protocolName("17")).toBe("UDP");
    expect(protocolName("6")).toBe("TCP");
    expect(protocolName("tcp")).toBe("TCP");
    expect(protocolName("banana")).toBeNull();
  });
});

describe("activity vocabulary", () => {
  it.each([
    ["scanning remote hosts on the internet for security vulnerabilities", "port_scan"],
    ["attempts to access remote hosts on the internet without authorization", "intrusion"],
    ["Intrusion Attempts", "intrusion"],
    ["a Denial of Service attack against remote hosts", "dos"],
    ["the sending of spam or unsolicited email", "spam_email"],
    ["placing spam (unsolicited messages, typically advertisements) on websites hosting online discussions", "spam_web"],
    ["web-crawling", "crawling"],
    ["an open proxy", "open_proxy"],
    ["port-scanning", "port_scan"],
    ["login-attack", "brute_force"],
    ["hosting a phishing website", "phishing"],
    ["infected with malware", "botnet_c2"],
    ["cryptocurrency mining", "crypto_mining"],
    ["SQL injection attempts", "web_attack"],
  ])("%s -> %s", (phrase, type) => {
    expect(classifyPhrase(phrase)).toBe(type);
  });
  it("Health codes by pattern, unknown ones as null", () => {
    expect(classifyHealthCode("AWS_ABUSE_DOS_REPORT")).toBe("dos");
    expect(classifyHealthCode("AWS_ABUSE_EC2_PORT_SCANNING_REPORT")).toBe("port_scan");
    expect(classifyHealthCode("AWS_ABUSE_INTRUSION_ATTEMPT_REPORT")).toBe("intrusion");
    expect(classifyHealthCode("AWS_ABUSE_FORUM_SPAM_REPORT")).toBe("spam_web");
    expect(classifyHealthCode("AWS_ABUSE_COPYRIGHT_DMCA_REPORT")).toBe("copyright");
    expect(classifyHealthCode("AWS_ABUSE_MALWARE_WEBSITE_REPORT")).toBe("malware_hosting");
    expect(classifyHealthCode("AWS_ABUSE_BOTNET_REPORT")).toBe("botnet_c2");
    expect(classifyHealthCode("AWS_RISK_CREDENTIALS_EXPOSED")).toBe("credentials_exposed");
    expect(classifyHealthCode("AWS_RISK_CREDENTIALS_EXPOSURE_SUSPECTED")).toBe("credentials_exposed");
    expect(classifyHealthCode("AWS_RISK_CREDENTIALS_COMPROMISED")).toBe("credentials_exposed");
    expect(classifyHealthCode("AWS_RISK_CREDENTIALS_COMPROMISE_SUSPECTED")).toBe("credentials_exposed");
    expect(classifyHealthCode("AWS_RISK_ACCOUNT_COMPROMISED")).toBe("account_compromise");
    expect(classifyHealthCode("AWS_RISK_IAM_QUARANTINE")).toBe("credentials_exposed");
    expect(classifyHealthCode("AWS_ABUSE_WEBCRAWL_REPORT")).toBe("crawling");
    expect(classifyHealthCode("AWS_ABUSE_EXTREMIST_VIOLENT_CONTENT")).toBe("illegal_content");
    expect(classifyHealthCode("AWS_ABUSE_OPEN_PROXY_REPORT")).toBe("open_proxy");
    expect(classifyHealthCode("AWS_ABUSE_EC2_QUANTUM_TELEPORT_REPORT")).toBeNull();
  });
});

describe("redaction", () => {
  it.each(["34.xx.xx.xx", "52.79.xxx.xxx", "i-0c29xxxxxxxx7", "2221xxxxxxx", "****-****-6006", "■■■■", "<My EC2>", "<<aws_account_id>>", "ACCESS_KEY_ID_HERE", "[redacted]", "xxxx370"])("%s is redacted", (v) => {
    expect(isRedactedId(v)).toBe(true);
  });
  it.each(["203.0.113.7", "i-0123456789abcdef0", "111122223333", "AKIA2E0A8F3B244C9986"])("%s is not", (v) => {
    expect(isRedactedId(v)).toBe(false);
  });
  it("text masks, but real words with x are not", () => {
    expect(isRedactedText("https://example.com/****")).toBe(true);
    expect(isRedactedText("mail.example.com")).toBe(false);
    expect(isRedactedText("proxy-box")).toBe(false);
  });
});

describe("deadline", () => {
  it("a stated timeline or date wins; otherwise 24 hours after receipt", () => {
    const received = Date.parse("2025-04-10T00:00:00Z");
    const stated = findStatedDeadlines("If you do not respond within five (5) days your account will be suspended.", null).map((d) => ({ ...d, source: src }));
    expect(decideDeadline(stated, received)).toMatchObject({ at: "2025-04-15T00:00:00Z", basis: "stated", text: "within five (5) days" });
    expect(decideDeadline([], received)).toMatchObject({ at: "2025-04-11T00:00:00Z", basis: "default" });
    expect(decideDeadline([], null)).toMatchObject({ at: null, basis: "unknown" });
    const byDate = findStatedDeadlines("Please secure your account by April 14, 2025.", null).map((d) => ({ ...d, source: src }));
    expect(decideDeadline(byDate, received).at).toBe("2025-04-14T00:00:00Z");
  });
  it("'by the abuse reporter' is not a date", () => {
    expect(findStatedDeadlines("check the information provided below by the abuse reporter", null)).toEqual([]);
  });
});

describe("mitigations", () => {
  it("reads what AWS did, with its ports kept apart", () => {
    expect(findMitigations("Blocked outbound TCP ports 3128, 3127", src)[0]).toMatchObject({ action: "block_port", protocol: "TCP", ports: [3128, 3127], direction: "outbound" });
    expect(findMitigations("Outgoing Port 80 Blocked", src)[0]).toMatchObject({ action: "block_port", ports: [80] });
    expect(findMitigations("we have temporarily limited your ability to launch a large number of EC2 instances", src)[0]!.action).toBe("limit_launch");
    expect(findMitigations("Restrict inbound access, especially on administrative ports like TCP 22 and 3389", src)).toEqual([]);
  });
});

describe("tolerant JSON", () => {
  it("reads fragments, trailing commas, wrapped strings, cut-off ends", () => {
    expect(parseJsonLenient('  "event": {"a": "x\n  y", "b": [1, 2,],},')).toEqual({ event: { a: "xy", b: [1, 2] } });
    expect(parseJsonLenient('{"a": {"b": 1')).toEqual({ a: { b: 1 } });
    expect(() => parseJsonLenient('{"a":'.repeat(500))).toThrow(/deeper/);
  });
});

describe("addresses and labels", () => {
  it("finds IPs, knows public from private", () => {
    expect(findIPs("from 10.0.0.2:30303 to 203.0.113.5 and 2001:db8::1, not 1.2.3.4.5").map((x) => x.ip)).toEqual(["10.0.0.2", "203.0.113.5", "2001:db8::1"]);
    expect(isPublicIP("10.0.0.2")).toBe(false);
    expect(isPublicIP("198.51.100.7")).toBe(true);
    expect(isPublicIP("8.8.8.8")).toBe(true);
  });
  it("labels: form hints, no space after the colon, not times or URLs", () => {
    expect(parseLabel("Abuse time, 24-hr format (hh:mm)*: 15:37")).toEqual({ label: "Abuse time, 24-hr format (hh:mm)*", value: "15:37" });
    expect(canonicalLabel("Abuse time, 24-hr format (hh:mm)*")).toBe("abusetime");
    expect(parseLabel("Region:eu-central-1")).toEqual({ label: "Region", value: "eu-central-1" });
    expect(parseLabel("Jan 15 15:37:19    WAN")).toBeNull();
    expect(parseLabel("https://aws.amazon.com/aup/")).toBeNull();
  });
});
