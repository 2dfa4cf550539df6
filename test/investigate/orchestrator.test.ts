/**
 * The orchestrator: the Subject built from the case as stored (the acting notice's facts, the
 * resolved resources, principals, containment time), readers run concurrently, a reader that throws
 * or answers nonsense is "not searched" (never silence), artifacts kept as evidence with their
 * SHA-256 (files copied out of the scratch directory before it goes), the run kept on the case.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { CaseStore } from "../../src/case/types.ts";
import { intakeItem } from "../../src/desk/index.ts";
import { investigateCase, parseOnly } from "../../src/investigate/index.ts";
import type { NamedReader } from "../../src/investigate/readers.ts";
import { READER_TITLES } from "../../src/investigate/readers.ts";
import { subjectWindow } from "../../src/investigate/subject.ts";
import type { InvestigateOptions, Reader, Subject } from "../../src/investigate/types.ts";
import { makeNotice, makeVerdict, raw } from "../case/fixtures.ts";
import { resource, sim } from "../resolve/helpers.ts";

const OPTIONS: InvestigateOptions = { marginMinutes: 15, engine: "local", hostTimeoutSeconds: 60 };
const NOW = new Date("2026-05-04T12:00:00.000Z");

let home: string;
let store: CaseStore;
beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), "abuse-desk-investigate-"));
  store = await openStore({ home, url: undefined });
});
afterEach(async () => {
  await store.destroy();
  rmSync(home, { recursive: true, force: true });
});

const named = (name: NamedReader["name"], read: Reader): NamedReader => ({ name, ...READER_TITLES[name], load: async () => read });

async function scanCase(port = sim("sample")) {
  const notice = makeNotice({
    instanceIds: ["i-0a1b2c3d4e5f67890"],
    publicIps: ["198.51.100.23"],
    accessKeyIds: ["AKIAEXAMPLEEXAMPLE01"],
    remoteIps: ["192.0.2.1", "192.0.2.2", "192.0.2.1"],
    remotePorts: [22, 3389],
    resources: [resource("ec2-instance", "i-0a1b2c3d4e5f67890", { accountId: "111122223333", region: "eu-west-1" })],
  });
  const out = await intakeItem({ index: 0, notice, raw: raw(notice), format: "email", mail: null } as never, { store, verify: async () => makeVerdict("authentic"), port, now: NOW });
  return { caseId: out.intake.case.id, port };
}

describe("investigateCase", () => {
  it("builds the subject from the case and runs every reader concurrently, keeping findings, verdicts and evidence", async () => {
    const { caseId, port } = await scanCase();
    const seen: Subject[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let open!: () => void;
    const gate = { promise: new Promise<void>((r) => (open = r)), resolve: () => open() };
    const slow =
      (fn: Reader): Reader =>
      async (ctx, s) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (maxInFlight === 2) gate.resolve();
        await gate.promise;
        inFlight--;
        return fn(ctx, s);
      };
    const flows: Reader = async (ctx, s) => {
      seen.push(s);
      const file = join(ctx.workDir, "result.csv");
      writeFileSync(file, "minute,dst_port,distinct_dst\n08:01,22,412\n");
      return {
        findings: [{ kind: "flow.scan.confirmed", area: "flow-logs", severity: "high", subject: "eni-0a1b2c3d4e5f60001", summary: "412 distinct destinations on 22/tcp in one minute", figures: { maxDistinctPerMinute: 412 }, sources: [{ evidence: "flow-logs scan query", query: "SELECT ..." }] }],
        artifacts: [{ label: "flow-logs scan query", path: file, source: "vpc flow logs eni-0a1b2c3d4e5f60001" }],
        notSearched: [],
        activity: { verdict: "confirmed", networkInterfaceIds: ["eni-0a1b2c3d4e5f60001"], window: s.window, stoppedAfterContainment: true, query: "SELECT ...", figures: { maxDistinctPerMinute: 412 } },
      };
    };
    const trail: Reader = async () => ({
      findings: [{ kind: "trail.key-pair.imported", area: "cloudtrail", severity: "medium", subject: "i-0a1b2c3d4e5f67890", summary: "ImportKeyPair by alice", at: "2026-05-04T07:50:00.000Z", sources: [{ evidence: "cloudtrail events" }] }],
      artifacts: [{ label: "cloudtrail events", content: '[{"eventName":"ImportKeyPair"}]', source: "cloudtrail:LookupEvents eu-west-1" }],
      notSearched: [{ what: "CloudTrail us-east-1", scope: { accountId: "111122223333", region: "us-east-1" }, reason: "access denied" }],
    });
    const progress: string[] = [];
    const out = await investigateCase(store, caseId, {
      port,
      options: OPTIONS,
      readers: [named("trail", slow(trail)), named("flows", slow(flows))],
      only: ["trail", "flows"],
      now: () => NOW,
      progress: (m) => progress.push(m),
      evidenceDir: join(home, "evidence"),
      scratchDir: home,
    });
    expect(maxInFlight).toBe(2);

    const s = seen[0]!;
    expect(s.caseId).toBe(caseId);
    expect(s.activityType).toBe("port_scan");
    expect(s.window).toEqual({ start: "2026-05-04T07:45:00.000Z", end: "2026-05-04T08:45:00.000Z" });
    expect(s.noticeWindow).toEqual({ begin: "2026-05-04T08:00:00.000Z", end: "2026-05-04T08:30:00.000Z" });
    expect(s.remoteIps).toEqual(["192.0.2.1", "192.0.2.2"]);
    expect(s.remotePorts).toEqual([22, 3389]);
    const inst = s.resources.find((r) => r.kind === "instance")!;
    expect(inst).toMatchObject({ id: "i-0a1b2c3d4e5f67890", scope: { accountId: "111122223333", region: "eu-west-1" }, platform: "linux" });
    expect(inst.networkInterfaceIds).toEqual(["eni-0a1b2c3d4e5f60001", "eni-0a1b2c3d4e5f60002"]);
    expect(inst.publicIps).toContain("198.51.100.23");
    expect(inst.privateIps).toEqual(expect.arrayContaining(["10.20.1.23", "10.20.11.23"]));
    expect(s.principals).toContainEqual({ accountId: "111122223333", kind: "access-key", id: "AKIAEXAMPLEEXAMPLE01" });
    expect(s.containedAt).toBeNull();

    const inv = out.investigation;
    expect(inv.status).toBe("partial");
    expect(inv.findings.map((f) => f.kind)).toEqual(["trail.key-pair.imported", "flow.scan.confirmed"]);
    expect(inv.activity[0]).toMatchObject({ verdict: "confirmed", stoppedAfterContainment: true });
    expect(inv.notSearched).toEqual([{ what: "CloudTrail us-east-1", scope: { accountId: "111122223333", region: "us-east-1" }, reason: "access denied" }]);
    // the file the reader wrote is kept (copied out of the scratch directory, hashed by the store)
    const ev = out.evidence.find((e) => e.label === "flow-logs scan query")!;
    expect(ev.path).toMatch(new RegExp(`^${join(home, "evidence", caseId)}/`));
    expect(existsSync(ev.path!)).toBe(true);
    expect((statSync(ev.path!).mode & 0o777).toString(8)).toBe("600");
    expect(ev.sha256).toBe(createHash("sha256").update(readFileSync(ev.path!)).digest("hex"));
    expect(out.evidence.find((e) => e.label === "cloudtrail events")!.sha256).toBe(createHash("sha256").update('[{"eventName":"ImportKeyPair"}]').digest("hex"));
    // the scratch directory is gone
    expect(readdirSync(home).filter((n) => n.startsWith("abuse-desk-investigate-"))).toEqual([]);

    const stored = await store.investigations(caseId);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.findings).toEqual(inv.findings);
    expect(stored[0]!.evidenceIds).toEqual(out.evidence.map((e) => e.id));
    const tl = await store.timeline(caseId);
    expect(tl.some((e) => e.type === "investigation" && e.summary.includes("2 findings") && e.summary.includes("NOT SEARCHED"))).toBe(true);
    const audit = await store.auditEntries({ caseId });
    expect(audit.some((a) => a.action === "investigation.recorded")).toBe(true);
    expect(progress.some((m) => m.startsWith("flows: 1 finding"))).toBe(true);
  });

  it("a reader that throws, one that returns nonsense and one this build lacks are each not searched, and the run is partial", async () => {
    const { caseId, port } = await scanCase();
    const out = await investigateCase(store, caseId, {
      port,
      options: OPTIONS,
      readers: [
        named("trail", async () => {
          throw new Error("ThrottlingException after 5 retries");
        }),
        named("flows", async () => ({ findings: "none" }) as never),
        named("credentials", async () => ({ findings: [], artifacts: [], notSearched: [] })),
      ],
      now: () => NOW,
      evidenceDir: join(home, "evidence"),
      scratchDir: home,
    });
    const inv = out.investigation;
    expect(inv.status).toBe("partial");
    expect(inv.readers.map((r) => [r.name, r.status])).toEqual([
      ["trail", "failed"],
      ["flows", "failed"],
      ["host", "skipped"],
      ["credentials", "ran"],
    ]);
    expect(inv.notSearched.map((n) => n.what)).toEqual(["CloudTrail", "VPC flow logs", "the host (SSM Run Command triage)"]);
    expect(inv.notSearched[0]!.reason).toContain("ThrottlingException after 5 retries");
    expect(inv.notSearched[2]!.reason).toBe("this build has no reader for it");
  });

  it("every reader ran and nothing is missing: complete", async () => {
    const { caseId, port } = await scanCase();
    const ok: Reader = async () => ({ findings: [], artifacts: [], notSearched: [] });
    const out = await investigateCase(store, caseId, { port, options: OPTIONS, readers: (["trail", "flows", "host", "credentials"] as const).map((n) => named(n, ok)), now: () => NOW, evidenceDir: join(home, "e"), scratchDir: home });
    expect(out.investigation.status).toBe("complete");
  });

  it("an artifact that cannot be kept is said (not searched), and the rest is kept", async () => {
    const { caseId, port } = await scanCase();
    const r: Reader = async (ctx) => ({
      findings: [],
      artifacts: [{ label: "gone", path: join(ctx.workDir, "never-written"), source: "x" }, { label: "kept", content: "ok", source: "y" }],
      notSearched: [],
    });
    const out = await investigateCase(store, caseId, { port, options: OPTIONS, readers: [named("host", r)], only: ["host"], now: () => NOW, evidenceDir: join(home, "e"), scratchDir: home });
    expect(out.evidence.map((e) => e.label)).toEqual(["kept"]);
    expect(out.investigation.notSearched[0]!.what).toContain('evidence "gone"');
    expect(out.investigation.status).toBe("partial");
  });

  it("containment time is the first applied step in the journal", async () => {
    const { caseId, port } = await scanCase();
    const plan = { id: "plan-x", caseId, createdAt: NOW.toISOString(), playbook: "compromised-host", steps: [], refused: [], warnings: [], summary: "" } as never;
    await store.savePlan(plan);
    await store.append({ planId: "plan-x", stepId: "s1", phase: "started", actor: "t", at: "2026-05-04T09:00:00.000Z" });
    await store.append({ planId: "plan-x", stepId: "s1", phase: "done", actor: "t", at: "2026-05-04T09:01:00.000Z" });
    await store.append({ planId: "plan-x", stepId: "s2", phase: "done", actor: "t", at: "2026-05-04T09:02:00.000Z" });
    let subject: Subject | undefined;
    await investigateCase(store, caseId, {
      port,
      options: OPTIONS,
      readers: [named("flows", async (_c, s) => ((subject = s), { findings: [], artifacts: [], notSearched: [] }))],
      only: ["flows"],
      now: () => NOW,
      evidenceDir: join(home, "e"),
      scratchDir: home,
    });
    expect(subject!.containedAt).toBe("2026-05-04T09:01:00.000Z");
  });

  it("a case with no recorded resolution is resolved for the run (and the resolution recorded)", async () => {
    const notice = makeNotice({ instanceIds: ["i-0a1b2c3d4e5f67890"], resources: [resource("ec2-instance", "i-0a1b2c3d4e5f67890")] });
    const opened = await store.intake({ notice, verdict: makeVerdict("authentic"), raw: raw(notice), now: NOW });
    let subject: Subject | undefined;
    const out = await investigateCase(store, opened.case.id, {
      port: sim("sample"),
      options: OPTIONS,
      readers: [named("flows", async (_c, s) => ((subject = s), { findings: [], artifacts: [], notSearched: [] }))],
      only: ["flows"],
      now: () => NOW,
      evidenceDir: join(home, "e"),
      scratchDir: home,
    });
    expect(out.resolvedNow).toBe(true);
    expect(subject!.resources.map((r) => r.id)).toContain("i-0a1b2c3d4e5f67890");
    expect((await store.timeline(opened.case.id)).some((e) => e.type === "resources-found")).toBe(true);
  });
});

describe("subjectWindow and --only", () => {
  it("widens by the margin, never past now; no start: the day before; no end: now", () => {
    expect(subjectWindow({ window: { begin: "2026-05-04T08:00:00Z", end: "2026-05-04T11:50:00Z" }, receivedAt: null }, 30, NOW)).toEqual({ start: "2026-05-04T07:30:00.000Z", end: "2026-05-04T12:00:00.000Z" });
    expect(subjectWindow({ window: { begin: null, end: null }, receivedAt: "2026-05-04T09:00:00Z" }, 0, NOW)).toEqual({ start: "2026-05-03T09:00:00.000Z", end: "2026-05-04T12:00:00.000Z" });
    expect(subjectWindow({ window: { begin: "garbage", end: null }, receivedAt: null }, 10, NOW)).toEqual({ start: "2026-05-03T11:50:00.000Z", end: "2026-05-04T12:00:00.000Z" });
  });
  it("--only takes known reader names and refuses others (exit 64)", () => {
    expect(parseOnly("trail, flows,trail")).toEqual(["trail", "flows"]);
    expect(() => parseOnly("trail,../../etc")).toThrow(/unknown reader/);
    expect(() => parseOnly("")).toThrow(/at least one/);
  });
});
