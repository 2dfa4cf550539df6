/** `abuse-desk resolve`, run in-process through main() with stdout and stderr captured. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Resolution } from "../../src/resolve/types.ts";
import { notice } from "./helpers.ts";
import { runCli } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "abuse-desk-resolve-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => runCli("resolve", ...args);

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const TEXT_NOTICE = `Hello,

We have received a report that your EC2 instance has been implicated in activity resembling port scanning.

Instance Id: i-0a1b2c3d4e5f67890
Region: eu-west-1
AWS ID: 111122223333
Reported Activity: Port Scanning

Please take action within 24 hours.
`;

describe("abuse-desk resolve", () => {
  it("resolves a pasted notice on the bundled estate, in words", async () => {
    const { code, out } = await run(file("n1.txt", TEXT_NOTICE), "--account", "sim");
    expect(code).toBe(0);
    expect(out).toContain("FOUND");
    expect(out).toContain("i-0a1b2c3d4e5f67890 in 111122223333/eu-west-1: running t3.medium, owner alice@example.com, team payments, dev, Auto Scaling group web-asg");
    expect(out).toMatch(/ASG\s+web-asg \(min 2, desired 3, max 6, 3 instances\), InService/);
    expect(out).toMatch(/target\s+web-tg \(HTTPS:443\) <- payments-alb/);
    expect(out).toContain("sg-0a1b2c3d4e5f6a7b8 (payments-web-public) is open to the world on tcp/22");
    expect(out).toMatch(/1 of 1 found in sim \(bundled sample estate\)/);
  });

  it("prints a Resolution with --json", async () => {
    const { code, out } = await run(file("n2.txt", TEXT_NOTICE), "--account", "sim", "--json");
    expect(code).toBe(0);
    const res = JSON.parse(out) as Resolution;
    expect(res.findings[0]).toMatchObject({ status: "found", ref: { type: "ec2-instance", id: "i-0a1b2c3d4e5f67890" } });
    expect(res.gaps).toEqual([]);
    expect(typeof res.elapsedMs).toBe("number");
  });

  it("reads `parse --json` output, and tells the history of a released address", async () => {
    const n = notice({ accountIds: ["111122223333"], publicIps: ["203.0.113.45"], window: { begin: "2026-04-20T03:00:00Z", end: "2026-04-20T04:00:00Z" } });
    const { code, out } = await run(file("n3.json", JSON.stringify(n)), "--account", "sim");
    expect(code).toBe(0);
    expect(out).toContain("MOVED");
    expect(out).toContain("released at 2026-04-24T16:05:00Z; held by i-0f9e8d7c6b5a43210 from 2026-04-02T10:00:00Z to 2026-04-24T16:00:00Z");
  });

  it("searches an estate file given as sim:PATH, with --regions and --accounts", async () => {
    const estate = new URL("../../fixtures/estates/contract.yaml", import.meta.url).pathname;
    const n = notice({ instanceIds: ["i-0c0000000000000a1"] });
    const { code, out } = await run(file("n4.json", JSON.stringify(n)), "--account", `sim:${estate}`, "--accounts", "111122223333", "--regions", "us-east-1", "--json");
    expect(code).toBe(0);
    const res = JSON.parse(out) as Resolution;
    expect(res.findings[0]?.status).toBe("not-found");
    expect(res.findings[0]?.searched).toEqual([{ accountId: "111122223333", regions: ["us-east-1"] }]);
  });

  it("shows gaps: a region the notice names that is not enabled", async () => {
    const n = notice({ accountIds: ["111122223333"], regions: ["ap-east-1"], instanceIds: ["i-0a1b2c3d4e5f67890"] });
    const { out, code } = await run(file("n5.json", JSON.stringify(n)), "--account", "sim");
    // A region the account has not enabled holds nothing: said, and no reason to fail.
    expect(code).toBe(0);
    expect(out).toContain("Not searched, and nothing can be there:");
    expect(out).toContain("111122223333/ap-east-1: region ap-east-1 is not enabled for the account");
  });

  it("refuses a missing or bad account specification with a hint", async () => {
    const saved = process.env.ABUSE_DESK_ACCOUNT;
    delete process.env.ABUSE_DESK_ACCOUNT;
    try {
      let r = await run(file("n6.txt", TEXT_NOTICE));
      expect(r.code).toBe(64);
      expect(r.err).toContain("abuse-desk: no cloud account to search");
      expect(r.err).toContain("give --account sim");
      r = await run(file("n7.txt", TEXT_NOTICE), "--account", "azure");
      expect(r.code).toBe(64);
      expect(r.err).toContain("--account azure: not an account specification");
    } finally {
      if (saved !== undefined) process.env.ABUSE_DESK_ACCOUNT = saved;
    }
  });

  it("reports a broken estate file with the YAML position of the bad value", async () => {
    const bad = file("bad.yaml", 'version: 1\naccounts:\n  - accountId: "111122223333"\n    enabledRegions: [eu-west-1]\n    regions:\n      eu-west-1:\n        instances:\n          - instanceId: i-0123456789abcdef0\n            state: sleeping\n            imageId: ami-12345678\n            launchTime: "2026-01-01T00:00:00Z"\n');
    const { code, err } = await run(file("n8.txt", TEXT_NOTICE), "--account", `sim:${bad}`);
    expect(code).toBe(65);
    expect(err).toContain(`${bad}:9:20 accounts[0].regions.eu-west-1.instances[0].state: Invalid option`);
    // Once the shapes are right, the references are checked, each with its position too.
    const inconsistent = file("inconsistent.yaml", readFileSync(bad, "utf8").replace("state: sleeping", "state: running"));
    const r = await run(file("n8b.txt", TEXT_NOTICE), "--account", `sim:${inconsistent}`);
    expect(r.err).toContain(`${inconsistent}:8:13 accounts[0].regions.eu-west-1.instances[0].networkInterfaces: an instance needs at least one network interface`);
  });

  it("says so when the estate file does not exist, or the notice can't be read", async () => {
    let r = await run(file("n9.txt", TEXT_NOTICE), "--account", "sim:/nonexistent/estate.yaml");
    expect(r.code).toBe(66);
    expect(r.err).toContain("/nonexistent/estate.yaml: no such estate file");
    r = await run(join(dir, "missing.eml"), "--account", "sim");
    expect(r.code).toBe(66);
    r = await run(file("n10.txt", TEXT_NOTICE), "--account", "sim", "--regions", "mars-1");
    expect(r.code).toBe(64);
    expect(r.err).toContain('--regions: "mars-1" is not a region code');
  });
});
