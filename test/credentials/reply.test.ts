/**
 * The reply to AWS for a credential case (issue 14): what was done, in AWS's order (rotate the
 * exposed key, delete or disable unauthorized users and keys, check every region, verify the
 * contact information), then the root checklist, from the journal's outcomes: only a step that ran
 * and holds is said done; a failed step is not; a rolled-back one is not in place; the rest pending.
 * Through the case store, the plan of the case (with its sweep), a real apply and rollback.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { CaseStore } from "../../src/case/types.ts";
import { SimAccount } from "../../src/cloud/sim/index.ts";
import { ROOT_CHECKLIST_ITEMS } from "../../src/credentials/checklist.ts";
import { compromisedKeyEstate, SCENARIO as S } from "../../src/credentials/scenario.ts";
import { applyPlan, intakeItem, planCase, rollbackPlan } from "../../src/desk/index.ts";
import { parsePolicy } from "../../src/policy/policy.ts";
import { draftReply } from "../../src/reply/draft.ts";
import { loadCaseData } from "../../src/reply/case.ts";
import { makeVerdict, raw } from "../case/fixtures.ts";
import { credentialNotice } from "./helpers.ts";

const NOW = new Date(S.now);
const POLICY = parsePolicy("examiners: { cidrs: [203.0.113.16/28] }\n");
const noSleep = { sleep: async () => {} };

let home: string;
let store: CaseStore;
beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), "abuse-desk-creds-reply-"));
  store = await openStore({ home, url: undefined });
});
afterEach(async () => {
  await store.destroy();
  rmSync(home, { recursive: true, force: true });
});

async function credentialCase(sim: SimAccount): Promise<string> {
  const notice = credentialNotice({ from: "aws-abuse@amazon.com", messageId: `<cred-${Math.random().toString(36).slice(2)}@amazon.com>` });
  const out = await intakeItem({ index: 0, notice, raw: raw(notice), format: "email", mail: null } as never, { store, verify: async () => makeVerdict("authentic"), port: sim, now: NOW });
  return out.intake.case.id;
}

const reply = async (id: string) => {
  const d = await loadCaseData(store, id);
  return draftReply({ ...d.input });
};

/** The numbered sections, in the order they appear. */
const sections = (text: string) => [...text.matchAll(/^([1-4])\. /gm)].map((m) => m[1]);
/** A line of the credential section (the findings above it name the same ids). */
const lineOf = (text: string, needle: string) => text.slice(text.indexOf("IN THE ORDER OF YOUR GUIDANCE")).split("\n").find((l) => l.includes(needle)) ?? "";

describe("the reply of a credential case, in AWS's order", () => {
  it("before anything ran: every step pending, nothing said done; the regions checked as the sweep read them", async () => {
    const sim = SimAccount.fromEstate(compromisedKeyEstate());
    const id = await credentialCase(sim);
    await planCase(store, id, { port: sim, policy: POLICY, now: NOW });
    const d = await reply(id);
    expect(d.family).toBe("credentials-exposed");
    expect(sections(d.text)).toEqual(["1", "2", "3", "4"]);
    expect(d.text).toMatch(/WHAT WAS DONE, IN THE ORDER OF YOUR GUIDANCE/);
    expect(lineOf(d.text, `${S.exposedKey} of IAM user ${S.holder}`)).toMatch(/pending: deactivate it/);
    expect(lineOf(d.text, `IAM user ${S.backdoorUser}`)).toMatch(/pending: deny it everything/);
    expect(lineOf(d.text, `Managed policy ${S.adminPolicy} attached to role ${S.role}`)).toMatch(/pending: detach it/);
    expect(lineOf(d.text, `Inline policy ${S.ownUserInline} put on user ${S.ownUser}`)).toMatch(/pending: remove it/);
    expect(lineOf(d.text, "CloudTrail trail")).toMatch(/: pending: restart logging/);
    expect(d.text).not.toMatch(/: deactivated|: denied everything|: its disks snapshotted|sending suspended/);
    expect(d.text).toMatch(/3\. Every region: CloudTrail read in 17 region\(s\) of 1 account\(s\)/);
    expect(lineOf(d.text, "4. ")).toMatch(/pending \(to be done by the root user\)/);
    expect(d.text).toMatch(/Root user checklist \(5 of 5 still to do\)/);
  });

  it("after apply: what ran and holds is done, the step that failed is NOT done, the checklist item a person marked is done; after rollback: not in place", async () => {
    const sim = SimAccount.fromEstate(compromisedKeyEstate(), { faults: [{ call: "ec2:CancelSpotInstanceRequests", accessDenied: true }] });
    const id = await credentialCase(sim);
    const { plan } = await planCase(store, id, { port: sim, policy: POLICY, now: NOW });
    // Every step may start at once (no lane waits behind the failing one): the executor stops starting steps at a failure.
    const applied = await applyPlan(store, plan, { port: sim, approve: "person", retry: noSleep, concurrency: { total: 64, perScope: 64 } });
    // The last step fails (the executor stops at a failure: the one that would come after is not run).
    expect(applied.steps.find((s) => s.action === "cancel-spot-requests")!.status).toBe("failed");
    expect(applied.steps.filter((s) => s.status !== "done").map((s) => s.action)).toEqual(["cancel-spot-requests"]);
    await store.setChecklistItem(id, "contact-information", "done", { actor: "ana" });

    const d = await reply(id);
    const t = d.text;
    expect(sections(t)).toEqual(["1", "2", "3", "4"]);
    // 1. rotate: the exposed key and the holder's sessions; the other key left to its owner.
    expect(lineOf(t, `${S.exposedKey} of IAM user ${S.holder}`)).toMatch(/: deactivated \(kept, not deleted, as evidence\) \(\d{4}-/);
    expect(lineOf(t, `Sessions of ${S.holder}`)).toMatch(/: revoked/);
    expect(lineOf(t, S.otherKey)).toMatch(/pending: to be rotated by its owner/);
    expect(lineOf(t, `${S.backdoorKey}, created by the attacker`)).toMatch(/: deactivated/);
    // 2. unauthorized users, roles, trust.
    expect(lineOf(t, `IAM user ${S.backdoorUser}`)).toMatch(/: denied everything/);
    expect(lineOf(t, "Its console password")).toMatch(/not planned: a person decides/);
    expect(lineOf(t, `IAM role ${S.createdRole}`)).toMatch(/its sessions revoked/);
    expect(lineOf(t, `Trust policy of role ${S.role}`)).toMatch(/restored/);
    // The policies the attacker attached or put: detached / removed, one line each.
    expect(lineOf(t, `Managed policy ${S.adminPolicy} attached to role ${S.role}`)).toMatch(/: detached \(\d{4}-/);
    expect(lineOf(t, `Managed policy ${S.adminPolicy} attached to user ${S.backdoorUser}`)).toMatch(/: detached/);
    expect(lineOf(t, `Managed policy ${S.groupPolicy} attached to group ${S.group}`)).toMatch(/: detached/);
    expect(lineOf(t, `Inline policy ${S.groupInline} put on group ${S.group}`)).toMatch(/: removed \(its document kept as evidence\)/);
    expect(lineOf(t, `Inline policy ${S.ownUserInline} put on user ${S.ownUser}`)).toMatch(/: removed/);
    expect(lineOf(t, `Inline policy ${S.createdRoleInline} put on role ${S.createdRole}`)).toMatch(/: removed/);
    // 3. every region: the miners stopped, SES suspended, the spot request NOT cancelled (its step failed).
    for (const l of t.split("\n").filter((x) => x.includes("launched by the attacker"))) expect(l).toMatch(/snapshotted, stopped/);
    // Six miners launched by the key, and one instance of each fleet the attacker made.
    expect(t.split("\n").filter((x) => x.includes("launched by the attacker"))).toHaveLength(8);
    expect(lineOf(t, `Spot fleet request ${S.spotFleet}`)).toMatch(/: cancelled \(its instances kept/);
    expect(lineOf(t, `EC2 fleet ${S.fleet}`)).toMatch(/: deleted \(its instances kept/);
    expect(lineOf(t, `Lightsail instance ${S.lightsailInstance}`)).toMatch(/: snapshotted, stopped/);
    const spot = lineOf(t, `Spot request ${S.spotRequest}`);
    expect(spot).toMatch(/NOT done: the step failed \(access-denied/);
    expect(spot).not.toMatch(/: cancelled/);
    expect(lineOf(t, `SES in ${S.sesRegion}`)).toMatch(/: sending suspended/);
    expect(lineOf(t, `CloudTrail trail arn:aws:cloudtrail:${S.loggingStoppedIn}:${S.account}:trail/${S.stoppedTrail}`)).toMatch(/, stopped by the attacker \(.*\): logging restarted \(left on: abuse-desk never stops a trail\) \(\d{4}-/);
    // 4. contact information, from the checklist; then the checklist.
    expect(lineOf(t, "4. ")).toMatch(/done, recorded by ana/);
    expect(t).toMatch(/Root user checklist \(4 of 5 still to do\)/);
    for (const i of ROOT_CHECKLIST_ITEMS) expect(t).toContain(i.text);
    expect(lineOf(t, ROOT_CHECKLIST_ITEMS.find((i) => i.id === "contact-information")!.text)).toMatch(/\[done\]/);
    // The order within the reply: rotate, users, regions, contacts, checklist.
    const at = (s: string) => t.indexOf(s);
    expect(at("1. The exposed access key")).toBeLessThan(at("2. Unauthorized IAM users"));
    expect(at("2. Unauthorized IAM users")).toBeLessThan(at("3. Every region"));
    expect(at("3. Every region")).toBeLessThan(at("4. The account's contact information"));
    expect(at("4. The account's contact information")).toBeLessThan(at("Root user checklist"));

    await rollbackPlan(store, plan.id, { port: sim, retry: noSleep });
    const after = (await reply(id)).text;
    expect(lineOf(after, `${S.exposedKey} of IAM user ${S.holder}`)).toMatch(/NOT in place: done, then rolled back/);
    expect(lineOf(after, `IAM user ${S.backdoorUser}`)).toMatch(/NOT in place/);
    expect(lineOf(after, `SES in ${S.sesRegion}`)).toMatch(/NOT in place: done, then rolled back/);
    expect(lineOf(after, `Spot request ${S.spotRequest}`)).toMatch(/NOT done: the step failed/);
    expect(lineOf(after, `Managed policy ${S.adminPolicy} attached to role ${S.role}`)).toMatch(/NOT in place: done, then rolled back/);
    expect(lineOf(after, `Inline policy ${S.ownUserInline} put on user ${S.ownUser}`)).toMatch(/NOT in place: done, then rolled back/);
    // Rollback leaves the trail logging (abuse-desk never stops one): still said restarted, which is true.
    expect(lineOf(after, "CloudTrail trail")).toMatch(/: logging restarted \(left on/);
    expect(await sim.getTrailStatus({ accountId: S.account, region: S.loggingStoppedIn }, S.stoppedTrail)).toMatchObject({ isLogging: true });
  });

  it("a credential case with no sweep says the regions were not checked; another activity has no credential section", async () => {
    const sim = SimAccount.fromEstate(compromisedKeyEstate());
    const id = await credentialCase(sim);
    const d = await reply(id);
    expect(d.text).toMatch(/3\. Every region: NOT checked yet/);
    expect(d.warnings.join("\n")).toMatch(/credential sweep was not run/);
    const plain = draftReply({ notices: [{ ...credentialNotice(), kind: "initial_report", activityType: "port_scan" }], credentials: null });
    expect(plain.text).not.toMatch(/IN THE ORDER OF YOUR GUIDANCE/);
  });
});
