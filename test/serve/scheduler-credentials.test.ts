/**
 * The scheduler's re-resolution of a credential case (issue 14): the case's search is the notice's
 * resources AND the credential sweep, decided in one place (src/desk/index.ts resolveCase). A
 * region whose CloudTrail the sweep could not read keeps the case "not searched" however well the
 * access key itself resolves; the search is called complete, and the case replanned, only once
 * the sweep read everything; and that plan contains what the unreadable region was hiding.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CaseStore } from "../../src/case/index.ts";
import { SimAccount } from "../../src/cloud/sim/index.ts";
import { latestCaseSweep } from "../../src/credentials/case.ts";
import { compromisedKeyEstate, SCENARIO as S } from "../../src/credentials/scenario.ts";
import { caseSearch, intakeItem, planCase } from "../../src/desk/index.ts";
import { schedulerTick } from "../../src/serve/scheduler.ts";
import { makeVerdict, raw } from "../case/fixtures.ts";
import { credentialNotice } from "../credentials/helpers.ts";
import { deps, POLICY, sqliteStores, type Stores } from "./helpers.ts";

const NOW = new Date(S.now);
const at = (h: number) => new Date(NOW.getTime() + h * 3_600_000);

let s: Stores;
let store: CaseStore;
beforeEach(async () => {
  s = await sqliteStores();
  store = s.store;
});
afterEach(async () => {
  await s.close();
});

const scheduled = async (id: string) => (await store.timeline(id)).filter((e) => e.type === "scheduled").map((e) => e.summary);
const lastSearch = async (id: string) => (await store.timeline(id)).filter((e) => e.type === "resources-found").at(-1)!;

describe("re-resolution of a credential case", () => {
  it("stays not searched while the sweep cannot read a region's CloudTrail, though the key resolves; complete, and replanned, only once it can", async () => {
    const sim = SimAccount.fromEstate(compromisedKeyEstate(), { faults: [{ call: "cloudtrail:LookupEvents", region: S.loggingStoppedIn, accessDenied: true }] });
    const notice = credentialNotice();
    const out = await intakeItem({ index: 0, notice, raw: raw(notice), format: "email", mail: null } as never, { store, verify: async () => makeVerdict("authentic"), port: sim, now: NOW });
    const id = out.intake.case.id;
    const first = await planCase(store, id, { port: sim, policy: POLICY, now: NOW });
    // The key itself resolves (found): only the sweep's gap makes the search incomplete.
    expect(first.resolution.findings.map((f) => f.status)).toEqual(["found"]);
    expect(await caseSearch(store, id)).toMatchObject({ status: "not-searched", missing: [{ accountId: S.account, region: S.loggingStoppedIn, cause: "credential-sweep" }] });
    expect(first.sweep!.sweep.inventory.some((i) => i.kind === "trail-stopped")).toBe(false);

    const d = deps(store, { port: sim, policy: POLICY, jobs: ["re-resolve"] });
    await schedulerTick(d, at(1));
    expect(await scheduled(id)).toEqual([expect.stringMatching(new RegExp(`^Re-resolution 1 of 6: still not searched \\(.*${S.account}/${S.loggingStoppedIn} \\(credential sweep: CloudTrail LookupEvents.*\\); tried again after `))]);
    const still = await lastSearch(id);
    expect(still.data.search).toMatchObject({ status: "not-searched" });
    expect(still.summary).toMatch(/NOT SEARCHED/);
    // The re-resolution swept again (kept with the case, as plan keeps it), read-only.
    expect((await store.investigations(id)).map((r) => r.options.via)).toEqual(["plan", "re-resolve"]);
    expect(await store.plansForCase(id)).toHaveLength(1);

    // Readable now: complete, and only now; the new plan contains what eu-west-1's CloudTrail was hiding.
    sim.faults.clear();
    await schedulerTick(d, at(3));
    const said = await scheduled(id);
    expect(said).toHaveLength(2);
    expect(said[1]).toMatch(/^Re-resolution 2 of 6: the search is complete now, 1 of 1 resources found, the credentials swept \(\d+ things the attacker made or changed found\); new plan (plan-\S+) made from the complete search/);
    expect((await lastSearch(id)).data.search).toEqual({ status: "searched" });
    const kept = await latestCaseSweep(store, id);
    expect(kept!.sweep.notSearched).toEqual([]);
    expect(kept!.sweep.inventory.find((i) => i.kind === "trail-stopped")?.scope.region).toBe(S.loggingStoppedIn);
    const plans = await store.plansForCase(id);
    expect(plans).toHaveLength(2);
    expect(plans[1]!.warnings.join("\n")).not.toMatch(/search is incomplete/);
    expect(plans[0]!.warnings.join("\n")).toMatch(/search is incomplete/);
    // One sweep for the re-resolution and its plan, not two.
    expect((await store.investigations(id)).map((r) => r.options.via)).toEqual(["plan", "re-resolve", "re-resolve"]);

    // Searched: nothing more to do.
    await schedulerTick(d, at(30));
    expect(await scheduled(id)).toHaveLength(2);
  });

  it("a notice joining the case later does not clear the gaps its kept sweep has (intake does not sweep)", async () => {
    const sim = SimAccount.fromEstate(compromisedKeyEstate(), { faults: [{ call: "cloudtrail:LookupEvents", region: S.loggingStoppedIn, accessDenied: true }] });
    const first = credentialNotice({ caseNumber: "12345678901-1" });
    const take = (n: typeof first) => intakeItem({ index: 0, notice: n, raw: raw(n), format: "email", mail: null } as never, { store, verify: async () => makeVerdict("authentic"), port: sim, now: NOW });
    const out = await take(first);
    const id = out.intake.case.id;
    // Taken in, not swept yet: the search is not complete, and says what to run.
    expect(searchOf(out.resolution)).toEqual([`not-swept: the credentials were not swept: no sweep has run for this case yet (what the attacker made is not searched until it does)`]);
    expect((await caseSearch(store, id))?.status).toBe("not-searched");
    await planCase(store, id, { port: sim, policy: POLICY, now: NOW });
    expect((await caseSearch(store, id))?.status).toBe("not-searched");

    // A reminder about the same case, its key resolving as before: the sweep's gap stays.
    const reminder = await take(credentialNotice({ caseNumber: "12345678901-1", messageId: "<reminder@test.example>" }));
    expect(reminder.intake.case.id).toBe(id);
    expect(searchOf(reminder.resolution)).toEqual([expect.stringMatching(new RegExp(`^credential-sweep: credential sweep: CloudTrail LookupEvents: access denied.*${S.account}/${S.loggingStoppedIn}$`))]);
    expect((await caseSearch(store, id))?.status).toBe("not-searched");

    // A notice naming a key the kept sweep did not sweep: that key is not searched either.
    const other = await take(credentialNotice({ caseNumber: "12345678901-1", messageId: "<other-key@test.example>", accessKeyIds: [S.exposedKey, S.otherKey] }));
    expect(searchOf(other.resolution)).toContain(`not-swept: the credentials were not swept: the case's notices name ${S.otherKey}, which the sweep kept with the case (evidence ${(await latestCaseSweep(store, id))!.evidence.id}) did not sweep`);
  });
});

const searchOf = (r: { gaps: { cause?: string; reason: string }[] } | null) => (r?.gaps ?? []).map((g) => `${g.cause}: ${g.reason}`);
