/**
 * The service investigates a case once its containment is applied, when the configuration says
 * `investigate.afterContainment: true` (and not otherwise); the run is kept with the case and in the
 * arrival's progress, and a reader this build lacks is "not searched" there too.
 */
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/plan/actions/index.ts";
import { newHome, POLICY, SAMPLE, testService } from "../serve/service-helpers.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function run(afterContainment: boolean) {
  const home = newHome();
  // Every action may run without a person: the service contains the case by itself.
  const policy = join(home, "policy.yaml");
  writeFileSync(policy, readFileSync(POLICY, "utf8").replace(/\nautomatic:[\s\S]*$/, `\nautomatic:\n  - name: everything\n    actions: [${ACTIONS.join(", ")}]\n`));
  writeFileSync(join(home, "config.yaml"), `investigate:\n  afterContainment: ${afterContainment}\n  marginMinutes: 5\n`);
  copyFileSync(SAMPLE, join(home, "inbox", "n1.eml"));
  const opened = await testService({ home, intake: { policy } });
  cleanups.push(() => opened.close());
  await opened.service.once();
  const [c] = (await opened.store.listCases({ all: true })).items;
  const [arrival] = await opened.inbox.list();
  return { c: c!, arrival: arrival!, store: opened.store };
}

describe("the service investigates after containment", () => {
  it("with investigate.afterContainment: true, a contained case is investigated and the run kept", async () => {
    const { c, arrival, store } = await run(true);
    expect(c.status).toBe("contained");
    const runs = await store.investigations(c.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.options).toMatchObject({ marginMinutes: 5 });
    expect(runs[0]!.status).toBe("partial");
    expect((arrival.progress as { items: { investigated?: { id: number } }[] }).items[0]!.investigated?.id).toBe(runs[0]!.id);
  });

  it("without it, nothing is investigated", async () => {
    const { c, store } = await run(false);
    expect(c.status).toBe("contained");
    expect(await store.investigations(c.id)).toEqual([]);
  });
});
