/**
 * A process that writes to the case store as fast as it can and says, on stdout, each write the
 * store acknowledged (after its promise resolved). The kill test SIGKILLs it mid-write and then
 * checks that every acknowledged write is in the database.
 *
 *   node --import tsx test/case/child/writer.ts '{"url":"...","run":3}'
 */
import { openStore } from "../../../src/case/index.ts";
import { makeNotice, makePlan, makeVerdict, raw } from "../fixtures.ts";

const { url, run } = JSON.parse(process.argv[2]!) as { url: string; run: number };
const store = await openStore({ url });
const say = (line: string) => process.stdout.write(line + "\n");

const plan = makePlan(null, `kill-plan-${run}`);
await store.savePlan(plan);
say(`plan ${plan.id}`);
// Four writers at once, so that writes are also committed in groups (and killed mid-group).
async function worker(w: number): Promise<never> {
  for (let k = 0; ; k++) {
    const i = k * 4 + w;
    const n = makeNotice({
      messageId: `<kill-${run}-${i}@test.example>`,
      // Notices of the same worker continue one incident for a while (they join), then open another.
      instanceIds: [`i-0kill${run}w${w}x${Math.floor(k / 3)}`],
      publicIps: [],
      receivedAt: new Date(Date.UTC(2026, 4, 4, 9, 0, 0) + i * 1000).toISOString(),
    });
    const r = await store.intake({ notice: n, verdict: makeVerdict(), raw: raw(n, String(i)) });
    say(`notice ${n.messageId} ${r.case.id}`);
    const e = await store.append({ planId: plan.id, stepId: plan.steps[i % 2]!.id, phase: i % 2 ? "done" : "started", actor: "kill-test", detail: { i } });
    say(`journal ${e.seq}`);
    if (k % 5 === 4) {
      await store.addNote(r.case.id, `note ${i}`);
      say(`note ${r.case.id} ${i}`);
    }
  }
}
await Promise.all([0, 1, 2, 3].map(worker));
