/**
 * `abuse-desk investigate` and `abuse-desk evidence export` through the real CLI on the simulated
 * account: a reader this build lacks is "not searched" (exit 69, named), the run is kept; the bundle
 * holds every artifact under a generated name with a manifest whose hashes check, a hostile label
 * cannot name a file in it, a changed artifact stops the export (exit 65, no file left), and --s3
 * puts it under Object Lock retention and records where.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { sql } from "kysely";
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { SqlCaseStore } from "../../src/case/store.ts";
import { parseS3Uri } from "../../src/cli/evidence.ts";
import { DRILL_DIR } from "../../src/drill/index.ts";
import { SAMPLE_FILE } from "../../scripts/gen-samples.ts";
import { runCli, tempHome } from "../helpers/cli.ts";

const home = tempHome("abuse-desk-investigate-cli-");
const DNS = ["--offline", "--dns-cache", join(DRILL_DIR, "dns.json")];

async function untar(bytes: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const ex = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on("entry", (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: unknown) => chunks.push(c as Buffer));
      stream.on("end", () => {
        out.set(h.name, Buffer.concat(chunks));
        next();
      });
    });
    ex.on("finish", resolve);
    ex.on("error", reject);
  });
  ex.end(bytes);
  await done;
  return out;
}

async function caseWithEvidence(): Promise<string> {
  const intake = await runCli("intake", SAMPLE_FILE, "--account", "sim", ...DNS);
  const id = /AD-\d{4}-\d{4}/.exec(intake.out)![0];
  const store = await openStore();
  try {
    await store.addEvidence(id, { label: "../../../../etc/passwd\nabc  manifest.json", content: "hostile label", source: "test" });
    await store.addEvidence(id, { label: "binary", content: Buffer.from([0, 1, 2, 255]), source: "test" });
    const f = join(home.dir, "capture.pcap");
    writeFileSync(f, "pcap bytes");
    await store.addEvidence(id, { label: "capture", path: f, source: "tcpdump" });
    await store.addEvidence(id, { label: "remote", path: "s3://somewhere/x", sha256: "a".repeat(64), source: "ssm" });
  } finally {
    await store.destroy();
  }
  return id;
}

describe("abuse-desk investigate", () => {
  it("runs every reader on the sample: the scan confirmed with figures, the host's findings, CloudTrail past 90 days not searched (exit 69); the run is kept", async () => {
    const id = await caseWithEvidence();
    const r = await runCli("investigate", id, "--account", "sim", "--json", "--margin", "10");
    expect(r.code).toBe(69);
    const j = JSON.parse(r.out) as {
      status: string;
      notSearched: { what: string; reason: string }[];
      activity: { result: string; figures: Record<string, unknown>; query: string }[];
      findings: { kind: string; summary: string }[];
      subject: { resources: { id: string }[]; window: { start: string } };
    };
    expect(j.status).toBe("partial");
    expect(j.subject.resources.length).toBeGreaterThan(0);
    // the sample notice is from May: CloudTrail's 90 days no longer reach it, and no organization trail is configured
    expect(j.notSearched.map((n) => n.reason)).toEqual([expect.stringMatching(/LookupEvents keeps 90 days and no organization trail is configured/)]);
    // the sample's flow logs hold the scan: confirmed, with its figures and the query that found it
    expect(j.activity).toHaveLength(1);
    expect(j.activity[0]!.result).toBe("confirmed");
    expect(j.activity[0]!.figures).toMatchObject({ maxDestinationsPerMinute: 120, port: 22, synOnlyFlows: 120, tcpFlagsLogged: true });
    expect(j.activity[0]!.query).toMatch(/count\(DISTINCT dstaddr\)/);
    const kinds = j.findings.map((f) => f.kind);
    expect(kinds).toContain("flow.scan.confirmed");
    // the notice's remote (203.0.113.99) is in the flow logs
    expect(j.findings.find((f) => f.kind === "flow.reported-remotes")!.summary).toContain("203.0.113.99");
    // the host's triage output: masscan, the attacker's login, the shell history
    expect(kinds).toEqual(expect.arrayContaining(["host.scanner.running", "host.login", "host.history.suspicious"]));
    expect(j.findings.find((f) => f.kind === "host.login")!.summary).toContain("203.0.113.51");
    expect(r.err).toContain("the investigation is not complete");
    const text = await runCli("investigate", id, "--account", "sim", "--only", "host");
    expect(text.code).toBe(0);
    expect(text.out).toContain("masscan");
    const store = await openStore();
    try {
      expect(await store.investigations(id)).toHaveLength(2);
    } finally {
      await store.destroy();
    }
  }, 120_000);

  it("with the organization trail configured, reads the sample's trail files: the instance role's credentials used from outside", async () => {
    const id = await caseWithEvidence();
    const config = join(home.dir, "config.yaml");
    writeFileSync(config, 'investigate:\n  orgTrail: { accountId: "111122223333", region: us-east-1, bucket: prod-cloudtrail-111122223333, organizationId: o-a1b2c3d4e5 }\n');
    process.env.ABUSE_DESK_CONFIG = config;
    const r = await runCli("investigate", id, "--account", "sim", "--json", "--margin", "10", "--only", "trail");
    const j = JSON.parse(r.out) as { notSearched: { what: string; reason: string }[]; findings: { kind: string; summary: string; figures?: Record<string, unknown> }[] };
    const outside = j.findings.find((f) => f.kind === "trail.role-credentials-outside")!;
    expect(outside.summary).toContain("payments-web-role");
    expect(outside.figures).toMatchObject({ calls: 3, addresses: "203.0.113.51" });
    // the trail's files are read for the window only: the launch and the key pair before it are said, nothing else
    expect(j.notSearched.map((n) => n.reason)).toEqual(["only the window's partitions are read from the trail's files", "only the window's partitions are read from the trail's files"]);
    expect(r.code).toBe(69);
  }, 60_000);

  it("refuses a bad --only, --margin and --engine athena without its settings", async () => {
    const id = await caseWithEvidence();
    expect((await runCli("investigate", id, "--account", "sim", "--only", "dns")).code).toBe(64);
    expect((await runCli("investigate", id, "--account", "sim", "--margin", "-5")).code).toBe(64);
    const a = await runCli("investigate", id, "--account", "sim", "--engine", "athena");
    expect(a.code).toBe(78);
    expect(a.err).toContain("investigate.athena");
  });
});

describe("abuse-desk evidence export", () => {
  it("writes every artifact under a generated name with a manifest whose SHA-256 lines check; a hostile label names no file", async () => {
    const id = await caseWithEvidence();
    const out = join(home.dir, "bundle.tar.gz");
    const r = await runCli("evidence", "export", id, "--out", out, "--json");
    expect(r.code, r.err).toBe(0);
    const files = await untar(gunzipSync(readFileSync(out)));
    const names = [...files.keys()];
    for (const n of names) expect(n).toMatch(/^(evidence\/\d{4}-\d+\.bin|manifest\.json|manifest\.sha256|investigations\.json)$/);
    const manifest = JSON.parse(files.get("manifest.json")!.toString()) as { items: { file?: string; label: string; sha256: string; included: boolean; reason?: string }[] };
    const hostile = manifest.items.find((i) => i.label.startsWith("../"))!;
    expect(hostile.included).toBe(true);
    expect(files.get(hostile.file!)!.toString()).toBe("hostile label");
    expect(manifest.items.find((i) => i.label === "remote")).toMatchObject({ included: false });
    expect(files.get(manifest.items.find((i) => i.label === "binary")!.file!)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(files.get(manifest.items.find((i) => i.label === "capture")!.file!)!.toString()).toBe("pcap bytes");
    // manifest.sha256 is what sha256sum -c reads: every line checks against the file it names
    const lines = files.get("manifest.sha256")!.toString().trim().split("\n");
    expect(lines.map((l) => l.split("  ")[1])).toEqual(expect.arrayContaining(["manifest.json", ...manifest.items.filter((i) => i.included).map((i) => i.file!)]));
    for (const l of lines) {
      const [sum, name] = l.split("  ") as [string, string];
      expect(createHash("sha256").update(files.get(name)!).digest("hex"), name).toBe(sum);
    }
    // never over an existing file
    expect((await runCli("evidence", "export", id, "--out", out)).code).toBe(73);
  });

  it("an artifact changed since it was kept stops the export: exit 65, no bundle left", async () => {
    const id = await caseWithEvidence();
    writeFileSync(join(home.dir, "capture.pcap"), "other bytes");
    const out = join(home.dir, "b.tar");
    const r = await runCli("evidence", "export", id, "--out", out);
    expect(r.code).toBe(65);
    expect(r.err).toContain("no longer matches the SHA-256");
    expect(existsSync(out)).toBe(false);
    // inline content changed behind the store's back: the same
    writeFileSync(join(home.dir, "capture.pcap"), "pcap bytes");
    const store = (await openStore()) as SqlCaseStore;
    try {
      await sql.raw(`update evidence set content = 'tampered' where label = 'binary'`).execute(store.db);
    } finally {
      await store.destroy();
    }
    expect((await runCli("evidence", "export", id, "--out", out)).code).toBe(65);
    expect(existsSync(out)).toBe(false);
  });

  it("--s3 puts the bundle under Object Lock retention and records it as evidence", async () => {
    const id = await caseWithEvidence();
    const r = await runCli("evidence", "export", id, "--s3", "s3://payments-invoices-prod/abuse", "--retain-days", "30", "--lock-mode", "compliance", "--account", "sim", "--json");
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { s3: { key: string; retention: { mode: string; retainUntil: string } } };
    expect(j.s3.key).toMatch(new RegExp(`^abuse/${id}/evidence-\\d{8}T\\d{6}Z\\.tar\\.gz$`));
    expect(j.s3.retention.mode).toBe("COMPLIANCE");
    const list = await runCli("evidence", "list", id, "--json");
    expect(list.out).toContain(`s3://payments-invoices-prod/abuse/${id}/`);
    expect((await runCli("evidence", "export", id, "--s3", "s3://payments-invoices-prod/../x", "--account", "sim")).code).toBe(64);
    expect((await runCli("evidence", "export", id, "--s3", "s3://no-such-bucket-here/x", "--account", "sim")).code).not.toBe(0);
    expect((await runCli("evidence", "export", id, "--retain-days", "5", "--out", join(home.dir, "z.tar"))).code).toBe(64);
  });

  it("parses s3:// URIs strictly", () => {
    expect(parseS3Uri("s3://bucket-a/p/q/")).toEqual({ bucket: "bucket-a", prefix: "p/q" });
    expect(parseS3Uri("s3://bucket-a")).toEqual({ bucket: "bucket-a", prefix: "" });
    for (const bad of ["s3://B/x", "http://bucket/x", "s3://bucket/a/../b", "s3://bucket/a\nb", "s3://a..b/x"]) expect(() => parseS3Uri(bad)).toThrow();
  });
});
