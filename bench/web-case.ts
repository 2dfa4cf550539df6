/**
 * The case page at 100,000 cases (part of web.bench.ts, which loads the store): one case built
 * the way the desk builds it, through its own stages and the store's API (the drill's signed
 * notice and three follow-ups taken in by `intakeItem`, a plan by `planCase` applied on the
 * simulated account by `applyPlan`, so the journal is the real one; evidence, notes and events
 * added through the store), then GET /cases/:id timed through the app, signed in, against the
 * store reads the page needs run bare (the case, its notices, plans and their journal, evidence,
 * timeline, and the users for the assignment list). Target: under 100 ms.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, type Figure } from "./harness.ts";
import { readCase } from "../src/case/read.ts";
import type { CaseStore } from "../src/case/types.ts";
import { openCloud } from "../src/cloud/open.ts";
import { applyPlan, intakeItem, planCase } from "../src/desk/index.ts";
import { composeDrillNotice, DRILL_DIR } from "../src/drill/index.ts";
import { parseInput } from "../src/notice/index.ts";
import { loadPolicy } from "../src/policy/load.ts";
import { DnsCache } from "../src/verify/dns.ts";
import { verify } from "../src/verify/index.ts";
import type { WebApp } from "../src/web/types.ts";

export const CASE_TARGET_MS = 100;

export interface BuiltCase {
  id: string;
  counts: { notices: number; steps: number; journal: number; evidence: number; timeline: number };
}

/** The case, built through the desk's stages on the simulated account. */
export async function buildCase(store: CaseStore): Promise<BuiltCase> {
  const home = mkdtempSync(join(tmpdir(), "abuse-desk-bench-case-"));
  const port = await openCloud("sim", { home });
  try {
    const dns = DnsCache.parse(readFileSync(join(DRILL_DIR, "dns.json"), "utf8"), { missCode: "ENOTFOUND" });
    const now = new Date();
    let id: string | null = null;
    // The first notice and three follow-ups (AWS's reminders: the same case, hours apart).
    for (let k = 3; k >= 0; k--) {
      const at = new Date(now.getTime() - k * 3_600_000);
      const raw = await composeDrillNotice(at, { messageId: `<bench-${k}-${process.pid}@abuse.amazonaws.com>` });
      const { items } = await parseInput(raw);
      const r = await intakeItem(items[0]!, { store, verify: (i) => verify(i, { resolver: dns.resolve, now: at }), port, now: at, actor: "intake" });
      id ??= r.intake.case.id;
      if (r.intake.case.id !== id) throw new Error(`bench: follow-up ${k} opened ${r.intake.case.id} instead of joining ${id}`);
    }
    const caseId = id!;
    const policy = await loadPolicy(join(DRILL_DIR, "policy.yaml"));
    const { plan } = await planCase(store, caseId, { port, policy, now, actor: "planner" });
    await applyPlan(store, plan, { port, approve: "person", actor: "approver" });
    for (let e = 0; e < 6; e++) {
      await store.addEvidence(caseId, {
        label: `console-output i-0bench ${e}`,
        content: `[${e}] ${"kernel: eth0: link up; sshd[811]: Accepted publickey for ec2-user from 198.51.100.7\n".repeat(40)}`,
        source: "ec2:GetConsoleOutput eu-west-1 111122223333",
      });
    }
    for (let n = 0; n < 8; n++) await store.addNote(caseId, `Note ${n}: checked the flow logs for the window AWS gave; outbound 22/tcp to many hosts from the instance.`, { actor: "analyst1" });
    for (let n = 0; n < 4; n++) await store.recordEvent(caseId, "reply-drafted", `reply drafted (${n})`, { text: `Hello,\n\nWe have isolated the instance (${n}).\n`, edited: false }, { actor: "analyst1" });
    const r = await readCase(store, caseId);
    const steps = r.plans.reduce((s, p) => s + p.steps.length, 0);
    return { id: caseId, counts: { notices: r.notices.length, steps, journal: r.journal.length, evidence: r.evidence.length, timeline: r.timeline.length } };
  } finally {
    port.close?.();
    rmSync(home, { recursive: true, force: true });
  }
}

/** Times GET /cases/:id (signed in with `cookie`) against the same reads bare through the store. */
export async function measureCasePage(label: string, cases: number, store: CaseStore, app: WebApp, cookie: string, env: unknown, log: (l: string) => void): Promise<Figure> {
  const built = await buildCase(store);
  const c = built.counts;
  log(`${label}: case ${built.id}: ${c.notices} notices, a plan of ${c.steps} steps applied (${c.journal} journal entries), ${c.evidence} evidence, ${c.timeline} timeline events`);
  if (c.notices < 4 || c.steps < 2 || c.journal < 4 || c.evidence < 6 || c.timeline < 12) throw new Error(`bench: the case is thinner than meant: ${JSON.stringify(c)}`);
  const path = `/cases/${encodeURIComponent(built.id)}`;
  const get = async () => {
    const res = await app.request(`http://bench.test${path}`, { headers: { cookie } }, env as never);
    if (res.status !== 200) throw new Error(`bench: ${path} answered ${res.status}`);
    return res.text();
  };
  const html = await get();
  const records = await readCase(store, built.id);
  for (const e of records.evidence) if (!html.includes(e.sha256)) throw new Error(`bench: the case page lacks evidence ${e.id}`);
  for (const p of records.plans) for (const s of p.steps) if (!html.includes(s.id)) throw new Error(`bench: the case page lacks step ${s.id}`);
  const bare = async () => {
    const k = await store.requireCase(built.id);
    return Promise.all([readCase(store, k.id), store.users.listUsers()]);
  };
  const pageMs = await median(get, 31, 3);
  const bareMs = await median(bare, 31, 3);
  return {
    name: `${label}: case page (${c.notices} notices, ${c.steps} steps, ${c.journal} journal, ${c.evidence} evidence, ${c.timeline} events) at ${cases.toLocaleString("en")} cases, server time`,
    value: pageMs,
    unit: "ms",
    baseline: { name: "the case's reads bare through the store", value: bareMs },
    better: "lower",
    target: { text: `< ${CASE_TARGET_MS} ms`, met: pageMs < CASE_TARGET_MS },
  };
}
