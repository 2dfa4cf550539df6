/**
 * Running the catalogue: every account the port reaches, every enabled region, every check, at
 * once, through one limiter (the resolver's: at most `concurrency` calls per account and region,
 * `totalConcurrency` in all). An account that cannot be entered leaves every per-account check
 * "could not run" for it, never "passed"; the organization's checks (abuse_desk_roles_deployed) run
 * once, alongside, and say which accounts' roles are missing.
 */
import type { CloudReader } from "../cloud/port.ts";
import { Limiter } from "../resolve/limiter.ts";
import { CHECKS, notRunOf } from "./checks.ts";
import { Facts } from "./facts.ts";
import type { CheckDef, CheckOutcome, CheckResult, CheckStatus, ReadinessReport, Severity } from "./types.ts";

export interface ReadinessOptions {
  now?: Date;
  /** Only these accounts (default: every account the port reaches). */
  accounts?: string[];
  /** Only these regions (default: each account's enabled regions). */
  regions?: string[];
  intakeSources?: { name: string; kind: string }[];
  /** Calls in flight per account and region (default 8), and in all (default 64). */
  concurrency?: number;
  totalConcurrency?: number;
  checks?: CheckDef[];
  progress?: (message: string) => void;
}

const WEIGHT: Record<Severity, number> = { critical: 10, high: 5, medium: 3, low: 1 };

export function statusOf(o: Pick<CheckOutcome, "failed" | "notRun">): CheckStatus {
  if (o.failed.length > 0) return "fail";
  if (o.notRun.length > 0) return "could-not-run";
  return "pass";
}

export function scoreOf(checks: Pick<CheckResult, "severity" | "status">[]): number {
  const total = checks.reduce((s, c) => s + WEIGHT[c.severity], 0);
  if (total === 0) return 0;
  const passed = checks.filter((c) => c.status === "pass").reduce((s, c) => s + WEIGHT[c.severity], 0);
  return Math.round((100 * passed) / total);
}

export async function runReadiness(port: CloudReader, opts: ReadinessOptions = {}): Promise<ReadinessReport> {
  const started = Date.now();
  const now = opts.now ?? new Date();
  const checks = opts.checks ?? CHECKS;
  const facts = new Facts(port, new Limiter(opts.concurrency ?? 8, opts.totalConcurrency ?? 64));
  const listed = await port.accounts();
  const accounts = opts.accounts ? listed.filter((a) => opts.accounts!.includes(a.accountId)) : listed;
  const merged = new Map<string, CheckOutcome>(checks.map((c) => [c.id, { examined: 0, failed: [], notRun: [] }]));
  const summary: ReadinessReport["accounts"] = [];
  const perAccount = checks.filter((c): c is Extract<CheckDef, { scope?: "account" }> => c.scope !== "organization");
  const organizationWide = checks.filter((c): c is Extract<CheckDef, { scope: "organization" }> => c.scope === "organization");
  /** Runs one check and merges what it found; a check that throws could not run where it was run. */
  const settle = async (id: string, where: string, run: () => Promise<CheckOutcome>) => {
    let o: CheckOutcome;
    try {
      o = await run();
    } catch (err) {
      o = { examined: 0, failed: [], notRun: [notRunOf(err, where)] };
    }
    const m = merged.get(id)!;
    m.examined += o.examined;
    m.failed.push(...o.failed);
    m.notRun.push(...o.notRun);
  };

  await Promise.all([
    ...accounts.map(async (acc) => {
      let regions: string[];
      try {
        regions = await facts.regions(acc.accountId);
      } catch (err) {
        const why = notRunOf(err, acc.accountId);
        summary.push({ accountId: acc.accountId, ...(acc.name ? { name: acc.name } : {}), regions: 0, reachable: false });
        for (const c of perAccount) merged.get(c.id)!.notRun.push({ ...why, reason: `account not entered: ${why.reason}` });
        return;
      }
      if (opts.regions) regions = regions.filter((r) => opts.regions!.includes(r));
      summary.push({ accountId: acc.accountId, ...(acc.name ? { name: acc.name } : {}), regions: regions.length, reachable: true });
      opts.progress?.(`readiness: account ${acc.accountId}, ${regions.length} regions`);
      const ctx = { port, accountId: acc.accountId, regions, now, facts, ...(opts.intakeSources ? { intakeSources: opts.intakeSources } : {}) };
      await Promise.all(perAccount.map((c) => settle(c.id, acc.accountId, () => c.run(ctx))));
    }),
    ...organizationWide.map((c) => settle(c.id, "organization", () => c.run({ port, accounts, narrowed: opts.accounts !== undefined, now, facts }))),
  ]);

  const key = (x: { accountId: string; region?: string; id?: string }) => `${x.accountId}|${x.region ?? ""}|${x.id ?? ""}`;
  const results: CheckResult[] = checks.map((c) => {
    const o = merged.get(c.id)!;
    o.failed.sort((a, b) => key(a).localeCompare(key(b)));
    o.notRun.sort((a, b) => key(a).localeCompare(key(b)) || a.reason.localeCompare(b.reason));
    return {
      id: c.id,
      title: c.title,
      severity: c.severity,
      category: c.category,
      ...(c.alignedWith ? { alignedWith: c.alignedWith } : {}),
      why: c.why,
      remediation: c.remediation,
      status: statusOf(o),
      examined: o.examined,
      failed: o.failed,
      notRun: o.notRun,
    };
  });
  summary.sort((a, b) => a.accountId.localeCompare(b.accountId));
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, "could-not-run": 0 };
  for (const r of results) counts[r.status]++;
  return { generatedAt: now.toISOString(), source: port.label, accounts: summary, score: scoreOf(results), counts, checks: results, elapsedMs: Date.now() - started };
}
