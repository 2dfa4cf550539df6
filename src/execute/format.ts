/**
 * Plans and results in words, for the terminal: what a reviewer reads before approving (every
 * step with its reason, what it changes, its risk, and the exact API calls of the dry run) and
 * what a responder reads after (what was done, what was not, and why).
 */
import type { ApplyResult, StepResult } from "./apply.ts";
import type { RollbackResult } from "./rollback.ts";
import type { TransitOutcome } from "./transit.ts";
import type { Plan, Step } from "./types.ts";

interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const RISK: Record<Step["risk"], (p: Paint, s: string) => string> = {
  low: (p, s) => p.dim(s),
  medium: (p, s) => p.yellow(s),
  high: (p, s) => p.red(s),
};

const short = (id: string) => id.replace(/^(\d+)-.*$/, "$1");

export function formatPlan(plan: Plan, p: Paint, opts: { calls?: boolean } = {}): string {
  const out: string[] = [];
  out.push(p.bold(`Plan ${plan.id}`) + ` · ${plan.playbook} · ${plan.activityType.replace(/_/g, " ")} · verdict ${plan.verdict}` + (plan.caseId ? ` · case ${plan.caseId}` : "") + ` · ${plan.createdAt}`);
  out.push(plan.summary);
  if (plan.steps.length) out.push("");
  for (const s of plan.steps) {
    const flags = [RISK[s.risk](p, `${s.risk} risk`), s.reversible ? "reversible" : p.red("NOT reversible"), s.autoApprovable ? p.cyan("automatic allowed") : ""].filter(Boolean).join(", ");
    out.push(`${p.bold(s.id)}  ${s.target.type} ${s.target.id} ${p.dim(`(${s.target.accountId}/${s.target.region})`)}  ${flags}`);
    out.push(`    why:     ${s.reason}`);
    out.push(`    changes: ${s.changes}`);
    if (s.dependsOn.length) out.push(p.dim(`    after:   ${s.dependsOn.map(short).join(", ")}`));
    if (opts.calls !== false) for (const c of s.calls) out.push(p.dim(`    ${c.api} ${JSON.stringify(c.params)}`));
  }
  if (plan.refused.length) {
    out.push("", p.bold("Refused (never touched):"));
    for (const r of plan.refused) out.push(`  ${r.target}: ${r.reason}`);
  }
  if (plan.warnings.length) {
    out.push("", p.bold("Warnings:"));
    for (const w of plan.warnings) out.push(`  ${p.yellow("!")} ${w}`);
  }
  return out.join("\n");
}

/** The few words that say what a step produced (snapshot ids, the new group). */
function describeAfter(after: unknown): string {
  if (!after || typeof after !== "object") return "";
  const a = after as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof a.groupId === "string") parts.push(`${a.groupId}${a.created === false ? " (existing)" : ""}`);
  if (Array.isArray(a.snapshots)) parts.push((a.snapshots as { snapshotId: string }[]).map((x) => x.snapshotId).join(", ") + (a.reused ? " (found, made before)" : ""));
  if (Array.isArray(a.evidence)) parts.push(`${a.evidence.length} evidence item(s)`);
  if (Array.isArray(a.created)) parts.push(`${a.created.length} ACL entr${a.created.length === 1 ? "y" : "ies"}`);
  for (const k of ["moved", "detached", "protected", "suspended", "deregistered", "added", "revoked"]) {
    const v = a[k];
    if (Array.isArray(v) && v.length) parts.push(`${k} ${v.length}`);
  }
  return parts.join("; ");
}

const MARK: Record<StepResult["status"], (p: Paint) => string> = {
  done: (p) => p.green("done        "),
  skipped: (p) => p.green("in place    "),
  "already-done": (p) => p.dim("done before "),
  failed: (p) => p.red("FAILED      "),
  "not-run": (p) => p.yellow("not run     "),
};

/**
 * Interfaces an earlier run left in transit (./transit.ts), as found and ended by this command:
 * said first, because the host was open to all until now.
 */
export function formatRecovered(recovered: readonly TransitOutcome[] | undefined, p: Paint): string[] {
  if (!recovered?.length) return [];
  const out = [p.bold("Left in transit by an earlier run (all-traffic group, open to all):")];
  for (const r of recovered) {
    const mark = r.outcome === "failed" ? p.red("STILL OPEN  ") : r.outcome === "locked" ? p.yellow("left to it  ") : r.outcome === "isolated" || r.outcome === "restored" ? p.green(`${r.outcome.padEnd(12)}`) : p.dim("nothing to do");
    out.push(`  ${mark} ${r.message} ${p.dim(`(plan ${r.planId}, step ${r.stepId})`)}`);
  }
  return [...out, ""];
}

export function formatApplyResult(result: ApplyResult, p: Paint): string {
  const out: string[] = formatRecovered(result.recovered, p);
  const count = (s: StepResult["status"]) => result.steps.filter((x) => x.status === s).length;
  const head =
    result.status === "complete"
      ? p.green(p.bold("Contained: every step is done."))
      : result.status === "failed"
        ? p.red(p.bold("Stopped: a step failed. No step started after it (those already running finished); each step below is done, failed (as said) or not run."))
        : p.yellow(p.bold("Partly applied: some steps wait for a person."));
  out.push(head);
  if (result.override) out.push(p.yellow(`Applied despite the verdict; reason journalled: ${result.override}`));
  for (const s of result.steps) {
    const extra = s.status === "failed" ? p.red(s.error ?? "") + (s.reason ? ` (${s.reason})` : "") : s.status === "not-run" ? p.dim(s.reason ?? "") : p.dim(describeAfter(s.after));
    out.push(`  ${MARK[s.status](p)} ${s.stepId}  ${extra}`.trimEnd());
  }
  out.push(
    "",
    `${count("done")} done now, ${count("skipped")} already in the wanted state, ${count("already-done")} done by an earlier run, ${count("failed")} failed, ${count("not-run")} not run.`,
  );
  if (result.status === "failed") out.push("Fix the cause and run apply again: it resumes where it stopped and does nothing twice. Or roll back what was done.");
  return out.join("\n");
}

export function formatRollbackResult(result: RollbackResult, p: Paint): string {
  const out: string[] = formatRecovered(result.recovered, p);
  if (result.status === "nothing-to-roll-back") {
    const when = result.rolledBackBefore ? `: it was rolled back by ${result.rolledBackBefore.actor} (finished ${result.rolledBackBefore.at})` : ": no step of it changed anything that can be undone (captures and snapshots are evidence, kept)";
    out.push(p.bold(`Nothing to roll back in plan ${result.planId}${when}. Nothing was changed now.`));
    return out.join("\n");
  }
  // A step whose undo leaves a change in place on purpose (a restarted trail stays logging) says so in its detail's `left`.
  const left = result.steps.filter((s) => s.status === "kept" && typeof s.detail?.left === "string").map((s) => String(s.detail!.left));
  out.push(
    result.status !== "complete"
      ? p.red(p.bold("Rollback stopped: a step could not be restored."))
      : left.length
        ? p.green(p.bold(`Rolled back, except ${left.length} change(s) abuse-desk leaves in place on purpose (below); everything else the plan changed is restored.`))
        : p.green(p.bold("Rolled back: everything the plan changed is restored.")),
  );
  for (const s of result.steps) {
    const what =
      s.status === "rolled-back"
        ? p.green("restored    ")
        : s.status === "kept"
          ? p.cyan("kept        ")
          : s.status === "failed"
            ? p.red("FAILED      ")
            : s.status === "not-run"
              ? p.yellow("not run     ")
              : p.dim(`${s.status.padEnd(12)}`);
    const extra = s.error ? p.red(s.error) : s.reason ? p.dim(s.reason) : s.detail ? p.dim(JSON.stringify(s.detail)) : "";
    out.push(`  ${what} ${s.stepId}  ${extra}`.trimEnd());
  }
  out.push("", "Kept on purpose: captures and snapshots (evidence), the case tags, and the security groups abuse-desk created (docs/containment.md).");
  for (const l of left) out.push(`Left in place: ${l}.`);
  return out.join("\n");
}
