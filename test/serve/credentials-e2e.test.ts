/**
 * `serve --once` with a signed credential notice (issue 14), unattended from end to end: an
 * exposed-key notice in AWS's support-case format (fixtures/serve/credentials-exposed.eml.template,
 * written for the project), DKIM-signed as amazon.com with the drill's key, dropped in the folder;
 * the service verifies it, opens the case, sweeps the account (the scripted attacker of
 * src/credentials/scenario.ts, moved in time so it struck yesterday), plans, applies what the policy
 * lets run alone and leaves the rest to a person; the journal keeps every change with its undo, and
 * the reply draft says what was done in AWS's order. The same notice unsigned, or with a signature
 * that no longer verifies, acts on nothing: no write reaches the account.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { METHODS } from "../../src/cloud/aws/actions.ts";
import { SimAccount } from "../../src/cloud/sim/index.ts";
import type { EstateInput } from "../../src/cloud/sim/schema.ts";
import { latestCaseSweep } from "../../src/credentials/case.ts";
import { compromisedKeyEstate, SCENARIO as S } from "../../src/credentials/scenario.ts";
import { caseSearch } from "../../src/desk/index.ts";
import { REVOKE_POLICY_NAME } from "../../src/plan/actions/credentials.ts";
import { loadCaseData } from "../../src/reply/case.ts";
import { draftReply } from "../../src/reply/draft.ts";
import { memoryChannel, newHome, ROOT, signAsDrill, testService } from "./service-helpers.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;

/** The scripted attacker's estate with every time moved by `ms` (the service plans at the wall clock's now). */
function shifted(estate: EstateInput, ms: number): EstateInput {
  return JSON.parse(JSON.stringify(estate), (_k, v: unknown) => (typeof v === "string" && ISO.test(v) ? new Date(Date.parse(v) + ms).toISOString().replace(/\.000Z$/, "Z") : v)) as EstateInput;
}

/** The notice as AWS's support-case system would send it now, about the scenario's exposed key. */
function noticeText(caseId: string, received: Date): string {
  return readFileSync(join(ROOT, "fixtures/serve/credentials-exposed.eml.template"), "utf8")
    .replace(/\{\{caseId\}\}/g, caseId)
    .replace(/\{\{date\}\}/g, received.toUTCString().replace("GMT", "+0000"))
    .replace(/\{\{messageId\}\}/g, `serve-credentials-${caseId}-${received.getTime()}`)
    .replace(/\r?\n/g, "\r\n");
}

/** Preserve and cut off the credentials without a person; stopping, cancelling and closing ports wait for one. */
const POLICY_YAML = ["version: 1", "examiners:", "  cidrs: [192.0.2.0/28]", "automatic:", "  - name: credentials cut off at once", "    playbooks: [credentials]", "    actions: [cut-off-credentials, preserve]", ""].join("\n");

async function service(o: { inbox: Record<string, Buffer> }) {
  const home = newHome();
  // The daily estate jobs read the account on their own timer, not because of a notice: off here.
  writeFileSync(join(home, "config.yaml"), "scheduler:\n  inventory: { enabled: false }\n  readiness: { enabled: false }\n");
  const policy = join(home, "policy.yaml");
  writeFileSync(policy, POLICY_YAML);
  for (const [name, bytes] of Object.entries(o.inbox)) writeFileSync(join(home, "inbox", name), bytes);
  const now = Date.now();
  const sim = SimAccount.fromEstate(shifted(compromisedKeyEstate(), now - Date.parse(S.now)));
  const mem = memoryChannel();
  const opened = await testService({ home, port: sim, notify: mem.settings, intake: { policy } });
  cleanups.push(() => opened.close());
  return { ...opened, sim, mem };
}

const writes = (sim: SimAccount) => sim.calls.map((c) => c.method).filter((m) => (METHODS as Record<string, { side: string }>)[m]?.side !== "read");
const keyStatus = async (sim: SimAccount, user: string, key: string) => (await sim.describeIamUsers(S.account, [user]))[0]!.accessKeys.find((k) => k.accessKeyId === key)!.status;

describe("serve --once with a signed credential notice", () => {
  it("verified -> case -> sweep -> plan -> what the policy allows applied, the rest pending a person -> journal -> the reply in AWS's order", async () => {
    const received = new Date(Date.now() - 10 * 60_000);
    const signed = await signAsDrill(noticeText("17176459221", received), received);
    const { service: svc, store, inbox, sim, mem } = await service({ inbox: { "exposed.eml": signed } });
    const summary = await svc.once();
    expect(summary.outcomes.done).toBe(1);

    // verified -> case
    const [c] = (await store.listCases({ all: true })).items;
    expect(c!.verdict).toBe("authentic");
    expect(c!.activityType).toBe("credentials_exposed");
    expect(c!.awsCaseNumber ?? (await store.notices(c!.id))[0]!.caseNumber).toBe("17176459221");

    // -> sweep, kept with the case, complete: everything the attacker made found
    const kept = await latestCaseSweep(store, c!.id);
    expect(kept).not.toBeNull();
    expect(kept!.sweep.holders.map((h) => [h.accessKeyId, h.kind, h.userName])).toEqual([[S.exposedKey, "user", S.holder]]);
    expect(kept!.sweep.notSearched).toEqual([]);
    const found = kept!.sweep.inventory.map((i) => `${i.kind} ${i.id}`);
    expect(found).toEqual(expect.arrayContaining([`iam-user ${S.backdoorUser}`, `access-key ${S.backdoorKey}`, `spot-request ${S.spotRequest}`]));
    expect(kept!.sweep.inventory.find((i) => i.kind === "trail-stopped")?.scope.region).toBe(S.loggingStoppedIn);
    expect(kept!.sweep.inventory.filter((i) => i.kind === "instance" && i.gpu && i.event).map((i) => i.scope.region).sort()).toEqual(expect.arrayContaining([...S.minerRegions].sort()));
    expect(await caseSearch(store, c!.id)).toEqual({ status: "searched" });

    // -> plan, the one the arrival made
    const plans = await store.plansForCase(c!.id);
    expect(plans).toHaveLength(1);
    const plan = plans[0]!;
    const steps = (action: string) => plan.steps.filter((s) => s.action === action);
    expect(steps("deactivate-access-key").map((s) => s.target.id).sort()).toEqual([S.backdoorKey, S.exposedKey].sort());
    expect(steps("stop-instance")).toHaveLength(8);

    // -> applied: the automatic steps ran and hold in the account ...
    expect(await keyStatus(sim, S.holder, S.exposedKey)).toBe("Inactive");
    expect(await keyStatus(sim, S.backdoorUser, S.backdoorKey)).toBe("Inactive");
    expect(await keyStatus(sim, S.holder, S.otherKey)).toBe("Active"); // the holder's other key: its owner rotates it
    expect(await sim.getInlinePolicy(S.account, { userName: S.holder }, REVOKE_POLICY_NAME)).not.toBeNull();
    expect(JSON.parse((await sim.getIamRole(S.account, S.role))!.trustPolicy)).toEqual(S.originalTrust);
    expect((await sim.getSesAccount({ accountId: S.account, region: S.sesRegion }))?.sendingEnabled).toBe(false);
    // ... the miners' disks snapshotted (preserve), the miners themselves still running: stopping waits for a person
    const miners = steps("stop-instance").map((s) => s.target.id);
    for (const id of miners) expect(plan.steps.some((s) => s.action === "snapshot-volumes" && s.target.id === id)).toBe(true);
    const running = (await Promise.all([...new Set(steps("stop-instance").map((s) => s.target.region!))].map((region) => sim.describeInstances({ accountId: S.account, region }, {}))))
      .flat()
      .filter((i) => miners.includes(i.instanceId));
    expect(running.map((i) => i.state).filter((st) => st !== "running")).toEqual([]);
    const spot = await sim.describeSpotInstanceRequests({ accountId: S.account, region: S.spotRegion });
    expect(spot.find((x) => x.spotInstanceRequestId === S.spotRequest)!.state).toBe("active");
    // Every write the service made is one of a step the policy let run alone (none of stop, cancel, revoke-ingress).
    expect(writes(sim)).not.toContain("stopInstances");
    expect(writes(sim)).not.toContain("cancelSpotInstanceRequests");
    expect(writes(sim).length).toBeGreaterThan(0);

    // -> the journal: each automatic step done, with what undoes it; the rest not run
    const entries = await store.entries(plan.id);
    const done = entries.filter((e) => e.phase === "done");
    const doneSteps = new Set(done.map((e) => e.stepId));
    for (const s of steps("deactivate-access-key")) expect(doneSteps.has(s.id)).toBe(true);
    for (const s of steps("stop-instance")) expect(doneSteps.has(s.id)).toBe(false);
    // What undoes it: the state before (the key Active) journalled when the step started, which rollback puts back.
    const deactivations = entries.filter((e) => plan.steps.find((s) => s.id === e.stepId)?.action === "deactivate-access-key");
    expect(deactivations.filter((e) => e.phase === "started").map((e) => e.before)).toEqual([{ status: "Active" }, { status: "Active" }]);
    expect(deactivations.filter((e) => e.phase === "done").map((e) => e.after)).toEqual([{ changed: true }, { changed: true }]);
    expect((await store.auditVerify({ deep: true })).intact).toBe(true);

    // The case is not contained (steps wait for a person), the arrival says so, the team was told.
    expect((await store.requireCase(c!.id)).status).not.toBe("contained");
    const [arrival] = await inbox.list();
    expect(arrival!.progress).toMatchObject({ items: [{ caseId: c!.id, verdict: "authentic", plan: { id: plan.id }, apply: { status: "incomplete", contained: false, notSearched: false } }] });
    expect(mem.events.map((e) => e.kind)).toContain("case-new");

    // -> the reply draft: what was done, in AWS's order; what waits is said pending, never done
    const d = await loadCaseData(store, c!.id);
    const t = draftReply({ ...d.input }).text;
    const guidance = t.slice(t.indexOf("IN THE ORDER OF YOUR GUIDANCE"));
    const line = (needle: string) => guidance.split("\n").find((l) => l.includes(needle)) ?? "";
    expect([...t.matchAll(/^([1-4])\. /gm)].map((m) => m[1])).toEqual(["1", "2", "3", "4"]);
    const at = (s: string) => t.indexOf(s);
    expect(at("1. The exposed access key")).toBeGreaterThan(-1);
    expect(at("1. The exposed access key")).toBeLessThan(at("2. Unauthorized IAM users"));
    expect(at("2. Unauthorized IAM users")).toBeLessThan(at("3. Every region"));
    expect(at("3. Every region")).toBeLessThan(at("4. The account's contact information"));
    expect(line(`${S.exposedKey} of IAM user ${S.holder}`)).toMatch(/: deactivated/);
    expect(line(`IAM user ${S.backdoorUser}`)).toMatch(/: denied everything/);
    expect(line(`SES in ${S.sesRegion}`)).toMatch(/: sending suspended/);
    const minerLines = guidance.split("\n").filter((l) => l.includes("launched by the attacker"));
    expect(minerLines).toHaveLength(8);
    for (const l of minerLines) expect(l).not.toMatch(/stopped/);
    expect(line(`Spot request ${S.spotRequest}`)).toMatch(/pending/);
    expect(line(`Spot request ${S.spotRequest}`)).not.toMatch(/: cancelled/);
  });

  it("the same notice unsigned, or with a signature that no longer verifies, acts on nothing: no write reaches the account", async () => {
    const received = new Date(Date.now() - 10 * 60_000);
    const unsigned = Buffer.from(noticeText("17176459222", received));
    const signed = (await signAsDrill(noticeText("17176459223", received), received)).toString("utf8");
    // One word of the body changed after signing: the body hash no longer matches.
    const tampered = Buffer.from(signed.replace("Rotate the exposed key", "Rotate the exposed keys"));
    expect(tampered.toString()).not.toBe(signed);
    const { service: svc, store, sim } = await service({ inbox: { "unsigned.eml": unsigned, "tampered.eml": tampered } });
    await svc.once();
    const cases = (await store.listCases({ all: true })).items;
    // Both are cased (a notice is never dropped), neither as authentic.
    const notices = (await Promise.all(cases.map((c) => store.notices(c.id)))).flat();
    expect(notices.map((n) => n.caseNumber).sort()).toEqual(["17176459222", "17176459223"]);
    for (const n of notices) expect(n.verdict).not.toBe("authentic");
    for (const c of cases) {
      expect(c.verdict).not.toBe("authentic");
      const types = (await store.timeline(c.id)).map((e) => e.type);
      expect(types).not.toContain("step-applied");
      for (const p of await store.plansForCase(c.id)) expect((await store.entries(p.id)).filter((e) => e.phase === "done")).toEqual([]);
    }
    expect(writes(sim)).toEqual([]);
    expect(await keyStatus(sim, S.holder, S.exposedKey)).toBe("Active");
    expect(await keyStatus(sim, S.backdoorUser, S.backdoorKey)).toBe("Active");
    expect(await sim.getInlinePolicy(S.account, { userName: S.holder }, REVOKE_POLICY_NAME)).toBeNull();
  });
});
