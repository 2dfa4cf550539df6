/**
 * End to end: files through the real parser (parseInput) and verify, and `abuse-desk verify` itself
 * (its output, --json, exit status, --offline and --dns-cache).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { register, EXIT } from "../../src/cli/verify.ts";
import { reportError } from "../../src/cli/main.ts";
import { parseInput } from "../../src/notice/index.ts";
import { verify } from "../../src/verify/index.ts";
import { awsSign, FIXTURES, message, NOTICE_BODY, NOW, zone } from "./helpers.ts";
import { startDnsServer } from "./dns-server.ts";
import { buildFixtures, FIXTURE_MAIL } from "./make-fixtures.ts";

const dnsFile = join(FIXTURES, "dns.json");
const mailFile = (name: string) => join(FIXTURES, "mail", `${name}.eml`);

async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  process.exitCode = undefined;
  let code: number;
  try {
    const program = new Command("abuse-desk").exitOverride();
    register(program);
    await program.parseAsync(["node", "abuse-desk", ...args]);
    code = typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (x) {
    code = reportError(x);
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
  return { out, err, code };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe("fixture files", () => {
  it("are what make-fixtures.ts builds (regenerate with: npx tsx test/verify/make-fixtures.ts)", async () => {
    for (const [path, text] of await buildFixtures()) expect(readFileSync(join(FIXTURES, path), "utf8"), path).toBe(text);
  });
});

describe("abuse-desk verify", () => {
  for (const f of FIXTURE_MAIL) {
    it(`${f.name}.eml -> ${f.verdict}`, async () => {
      const r = await run("verify", mailFile(f.name), "--json", "--offline", "--dns-cache", dnsFile, "--at", NOW.toISOString());
      const v = JSON.parse(r.out) as { level: string; reasons: { code: string }[] };
      expect(v.level).toBe(f.verdict);
      for (const c of f.codes) expect(v.reasons.map((x) => x.code)).toContain(c);
      expect(r.code).toBe(f.verdict === "phishing" ? EXIT.phishing : f.verdict === "suspicious" ? EXIT.suspicious : EXIT.ok);
    });
  }

  it("prints the verdict first, then each reason with its code", async () => {
    const r = await run("verify", mailFile("forged-from-amazon"), "--offline", "--dns-cache", dnsFile);
    const lines = r.out.split("\n");
    expect(lines[0]).toMatch(/^PHISHING\b/);
    expect(lines[1]).toMatch(/^ {2}✗ .*\(dkim\.missing\)$/);
    expect(r.out).not.toMatch(/\x1b\[/); // no colour when not a terminal
  });

  it("--offline with no cache: signatures not checked, and it says so", async () => {
    const r = await run("verify", mailFile("genuine-signed"), "--offline");
    expect(r.out.split("\n")[0]).toMatch(/^UNVERIFIED/);
    expect(r.out).toContain("(dkim.not_checked)");
    expect(r.out).toContain("drop --offline");
    expect(r.code).toBe(0);
  });

  it("an mbox: one verdict per message, exit status of the worst", async () => {
    const genuine = readFileSync(mailFile("genuine-signed"), "utf8");
    const spoof = readFileSync(mailFile("display-name-spoof"), "utf8");
    const mbox = [genuine, spoof].map((m) => `From MAILER-DAEMON Wed Jul 10 09:30:00 2024\n${m.replace(/\r\n/g, "\n")}\n`).join("");
    const dir = mkdtempSync(join(tmpdir(), "verify-"));
    writeFileSync(join(dir, "two.mbox"), mbox);
    const r = await run("verify", join(dir, "two.mbox"), "--json", "--offline", "--dns-cache", dnsFile);
    const j = JSON.parse(r.out) as { items: { index: number; level: string }[]; failures: unknown[] };
    // mbox stores LF line ends; DKIM canonicalises line ends, so the signature still verifies
    expect(j.items.map((i) => i.level)).toEqual(["authentic", "phishing"]);
    expect(r.code).toBe(EXIT.phishing);
  });

  it("real DNS (node:dns against a loopback server), saved to --dns-cache, then reused offline", async () => {
    const server = await startDnsServer(zone().toJSON());
    try {
      const dir = mkdtempSync(join(tmpdir(), "verify-"));
      const cacheFile = join(dir, "dns.json");
      const first = await run("verify", mailFile("genuine-signed"), "--json", "--dns-server", `127.0.0.1:${server.port}`, "--dns-cache", cacheFile);
      expect(JSON.parse(first.out).level).toBe("authentic");
      expect(server.queries).toEqual(expect.arrayContaining(["TXT abusedesk-test-rsa._domainkey.amazon.com", "TXT _dmarc.amazon.com"]));
      const saved = JSON.parse(readFileSync(cacheFile, "utf8")) as { entries: Record<string, unknown> };
      expect(Object.keys(saved.entries)).toEqual(expect.arrayContaining(["TXT abusedesk-test-rsa._domainkey.amazon.com", "TXT _dmarc.amazon.com"]));
      const asked = server.queries.length;
      const again = await run("verify", mailFile("genuine-signed"), "--json", "--offline", "--dns-cache", cacheFile);
      expect(JSON.parse(again.out).level).toBe("authentic");
      expect(server.queries.length).toBe(asked);
      // a record that does not exist is remembered as such
      const spoof = await run("verify", mailFile("forged-from-amazon"), "--json", "--dns-server", `127.0.0.1:${server.port}`, "--dns-cache", cacheFile);
      expect(JSON.parse(spoof.out).level).toBe("phishing");
    } finally {
      await server.close();
    }
  });

  it("DNS that does not answer: dns.unavailable, unverified, exit 0", async () => {
    const server = await startDnsServer({ version: 1, entries: {} });
    const port = server.port;
    await server.close(); // nobody listens there now
    const r = await run("verify", mailFile("genuine-signed"), "--json", "--dns-server", `127.0.0.1:${port}`, "--dns-timeout", "100");
    const v = JSON.parse(r.out) as { level: string; reasons: { code: string }[] };
    expect(v.level).toBe("unverified");
    expect(v.reasons.map((x) => x.code)).toContain("dns.unavailable");
    expect(r.code).toBe(0);
  });

  it("a bad --dns-cache file is a clear error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "verify-"));
    writeFileSync(join(dir, "bad.json"), '{"version": 2}');
    const r = await run("verify", mailFile("genuine-signed"), "--dns-cache", join(dir, "bad.json"));
    expect(r.code).toBe(65);
    expect(r.err).toContain("not a DNS cache file");
  });

  it("bad options and missing files are usage errors", async () => {
    expect((await run("verify", mailFile("genuine-signed"), "--at", "yesterday-ish")).code).toBe(64);
    expect((await run("verify", mailFile("genuine-signed"), "--dns-timeout", "0")).code).toBe(64);
    expect((await run("verify", join(FIXTURES, "nope.eml"), "--offline")).code).toBe(66);
    expect((await run("verify", mailFile("genuine-signed"), "--dns-server", "not an address")).code).toBe(64);
  });
});

describe("through the parser", () => {
  let resolver: ReturnType<typeof zone>["resolve"];
  beforeAll(() => {
    resolver = zone().resolve;
  });
  const verifyBytes = async (bytes: Buffer | string) => {
    const { items } = await parseInput(Buffer.from(bytes));
    expect(items).toHaveLength(1);
    return verify(items[0]!, { resolver, now: NOW });
  };

  it("a signed notice parsed by the notice stage is authentic", async () => {
    const v = await verifyBytes(await awsSign(message()));
    expect(v.verdict).toBe("authentic");
  });

  it("forwarded as an attachment: the original's signature still proves it", async () => {
    const inner = await awsSign(message());
    const b = "fwd-1";
    const outer = message({
      from: "Jane Admin <jane@customer.example>",
      subject: "Fwd: Your AWS Abuse Report [12345678901]",
      contentType: `multipart/mixed; boundary="${b}"`,
      body: [`--${b}`, "Content-Type: text/plain", "", "See attached.", `--${b}`, "Content-Type: message/rfc822", "", inner, `--${b}--`, ""].join("\r\n"),
    });
    const v = await verifyBytes(outer);
    expect(v.verdict).toBe("authentic");
    expect(v.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(["forward.attached", "dkim.aws_pass"]));
  });

  it("a look-alike link inside an attached original is found", async () => {
    const inner = await awsSign(message({ body: NOTICE_BODY + "Sign in at https://aws.amazon.com.case-review.example/ to reply.\r\n" }));
    const b = "fwd-2";
    const outer = message({
      from: "Jane Admin <jane@customer.example>",
      contentType: `multipart/mixed; boundary="${b}"`,
      body: [`--${b}`, "Content-Type: text/plain", "", "See attached.", `--${b}`, "Content-Type: message/rfc822", "", inner, `--${b}--`, ""].join("\r\n"),
    });
    const v = await verifyBytes(outer);
    expect(v.reasons.map((r) => r.code)).toContain("link.subdomain_trick");
    expect(v.verdict).toBe("phishing");
  });

  it("AWS's own message quoting a forwarded message is judged as AWS's message", async () => {
    const raw = await awsSign(message({ body: NOTICE_BODY + "\r\n---------- Forwarded message ---------\r\nFrom: reporter@victim.example\r\n\r\nscan logs\r\n" }));
    const v = await verifyBytes(raw);
    expect(v.verdict).toBe("authentic");
    expect(v.reasons.map((r) => r.code)).not.toContain("forward.inline");
  });

  it("forwarded inline: unverified", async () => {
    const outer = message({
      from: "Jane Admin <jane@customer.example>",
      subject: "Fwd: Your AWS Abuse Report [12345678901]",
      body: ["FYI", "", "---------- Forwarded message ---------", "From: Amazon EC2 Abuse <ec2-abuse@amazon.com>", "Date: Wed, 10 Jul 2024 at 09:30", "Subject: Your AWS Abuse Report [12345678901]", "To: <security@customer.example>", "", NOTICE_BODY].join("\r\n"),
    });
    const v = await verifyBytes(outer);
    expect(v.verdict).toBe("unverified");
    expect(v.reasons.map((r) => r.code)).toContain("forward.inline");
  });

  it("pasted text: unverified", async () => {
    const v = await verifyBytes(NOTICE_BODY.replace(/\r\n/g, "\n"));
    expect(v.verdict).toBe("unverified");
    expect(v.reasons.map((r) => r.code)).toContain("source.pasted_text");
  });

  it("a Health event file: unverified, and a mock source is said", async () => {
    const event = {
      version: "0",
      id: "00000000-0000-0000-0000-000000000001",
      "detail-type": "AWS Health Abuse Event",
      source: "awsmock.health",
      account: "111122223333",
      time: "2024-07-10T09:30:00Z",
      region: "global",
      resources: ["arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc1234def567890"],
      detail: {
        eventArn: "arn:aws:health:global::event/AWS_ABUSE_PORT_SCANNING_REPORT_1",
        service: "ABUSE",
        eventTypeCode: "AWS_ABUSE_PORT_SCANNING_REPORT",
        eventTypeCategory: "issue",
        startTime: "Wed, 10 Jul 2024 09:30:00 GMT",
        eventDescription: [{ language: "en_US", latestDescription: "Port scanning has been reported from resources in your account." }],
        affectedEntities: [{ entityValue: "i-0abc1234def567890" }],
      },
    };
    const v = await verifyBytes(JSON.stringify(event));
    expect(v.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(["source.health_file", "health.source_not_aws"]));
    expect(v.verdict).toBe("suspicious");
  });
});
