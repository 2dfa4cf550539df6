/**
 * `abuse-desk plan FILE|CASE [--json] [--policy FILE] [--account SPEC] [--out plan.json]`: what
 * containment would do for a notice, step by step, with the reason, what each step changes, its
 * risk, and the exact API calls of the dry run. Nothing changes in any account.
 *
 * FILE (or `-`, standard input) is a notice (verified, then resolved in the account `--account` names) or a plan JSON
 * (shown as it is). CASE is a case id (AD-2026-0001) or an AWS case number: the plan is written
 * for the case's latest notice that asks for action and saved in the case store, where `apply
 * CASE` finds it. `--out` writes the plan to a file for `apply plan.json`. A plan made from a
 * partial search (a place that could not be read) says so, is kept, and the command exits 69
 * naming what was not searched.
 *
 * Also the helpers `apply` and `rollback` share (finding a plan, confirming, the store).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { CaseStore } from "../case/types.ts";
import type { Plan } from "../execute/types.ts";
import type { ParsedItem } from "../notice/types.ts";
import { PLAN_OPTIONS } from "../playbook/options.ts";
import type { PlaybookOptions } from "../playbook/types.ts";
import type { Resolution } from "../resolve/types.ts";
import { REPORT_SPOOFING } from "../verify/aws.ts";
import { accountFlags, shellWord } from "./hint.ts";
import { writePrivateFile } from "../private-file.ts";
import { dnsOptions, type DnsFlags } from "./dns-options.ts";
import { withStore } from "./io.ts";

interface Options extends DnsFlags {
  json?: boolean;
  policy?: string;
  account?: string;
  profile?: string;
  region?: string;
  out?: string;
  force?: boolean;
  calls?: boolean;
  now?: string;
  planId?: string;
}

export function isPlan(v: unknown): v is Plan {
  return !!v && typeof v === "object" && "steps" in v && "playbook" in v && "id" in v && Array.isArray((v as Plan).steps);
}

/** Reads a plan JSON file, or returns null when the file is something else. */
export async function readPlanFile(path: string): Promise<Plan | null> {
  const bytes = await readFile(path).catch(() => null);
  return bytes === null ? null : planFromBytes(bytes);
}

/** The plan these bytes hold, or null when they are something else (a notice). */
function planFromBytes(bytes: Buffer): Plan | null {
  const text = bytes.toString("utf8");
  if (!text.trimStart().startsWith("{")) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return isPlan(v) ? v : null;
  } catch {
    return null;
  }
}

/** A reference that names a file, not a case: it has a directory part or a file extension (a case is AD-2026-0001 or digits). */
function looksLikePath(ref: string): boolean {
  return ref.includes("/") || ref.includes("\\") || /\.[A-Za-z][A-Za-z0-9]{0,7}$/.test(ref);
}

/** Shared with apply and rollback. */

/**
 * A plan named on the command line: a plan file, a plan id in the store, or a case (its latest
 * plan; with `forRollback`, its latest plan that was applied).
 */
export async function findPlan(ref: string, store: CaseStore, o: { forRollback?: boolean } = {}): Promise<Plan> {
  const { UserError } = await import("../errors.ts");
  if (existsSync(ref)) {
    const plan = await readPlanFile(ref);
    if (!plan) throw new UserError(`${ref}: not a plan (write one with abuse-desk plan NOTICE --out ${ref})`, { exitCode: 65 });
    return (await store.getPlan(plan.id)) ?? plan;
  }
  const stored = await store.getPlan(ref);
  if (stored) return stored;
  const c = await store.requireCase(ref);
  const plans = await store.plansForCase(c.id);
  if (!plans.length) throw new UserError(`case ${c.id} has no plan yet`, { exitCode: 66, hint: `abuse-desk plan ${c.id} writes one` });
  const { rollbackBegun } = await import("../execute/journal.ts");
  for (const p of [...plans].reverse()) {
    const entries = await store.entries(p.id);
    if (o.forRollback ? entries.some((e) => e.phase === "started") : !rollbackBegun(entries)) return p;
  }
  throw new UserError(o.forRollback ? `case ${c.id}: no plan of it was applied` : `case ${c.id}: its plans were rolled back; write a new one with abuse-desk plan ${c.id}`, { exitCode: 66 });
}

/**
 * The plan `apply` acts on. Only the store is an authority: a plan file names a plan, it does not
 * grant one. A file whose plan is stored gives the stored plan. A file whose plan is not stored is
 * refused to `--auto` (nothing unattended adopts a file); for a person it must be a plan of a
 * stored case and pass every action's schema, and it is returned with what the file cannot
 * decide set by the store: the verdict of the case's notice, no step automatic. The caller shows
 * it, asks, and stores it (`adopt`) before anything runs.
 */
export async function planForApply(ref: string, store: CaseStore, o: { auto?: boolean }): Promise<{ plan: Plan; adopt: boolean; note?: string }> {
  const { UserError } = await import("../errors.ts");
  if (!existsSync(ref)) return { plan: await findPlan(ref, store), adopt: false };
  const text = await readFile(ref, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`${ref}: cannot read the plan (${err.code ?? String(err)})`, { exitCode: 66 });
  });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UserError(`${ref}: not a plan (write one with abuse-desk plan CASE --out ${ref})`, { exitCode: 65 });
  }
  if (!isPlan(data)) throw new UserError(`${ref}: not a plan (write one with abuse-desk plan CASE --out ${ref})`, { exitCode: 65 });
  const stored = await store.getPlan(data.id);
  if (stored) {
    const { canonicalJson } = await import("../case/audit.ts");
    const same = canonicalJson(stored) === canonicalJson(data);
    return { plan: stored, adopt: false, ...(same ? {} : { note: `${ref} differs from the stored plan ${stored.id}: the stored plan is what is applied (the file is not)` }) };
  }
  if (o.auto) {
    throw new UserError(`${ref}: plan ${data.id} is not in the case store; an unattended apply never adopts a plan file`, {
      exitCode: 77,
      hint: "plan the case (abuse-desk plan CASE) and apply it with --auto, or have a person review and apply the file",
    });
  }
  const { validatePlan, PlanInvalid } = await import("../plan/validate.ts");
  let plan: Plan;
  try {
    plan = validatePlan(data);
  } catch (err) {
    if (err instanceof PlanInvalid) throw new UserError(`${ref}: ${err.message}`, { exitCode: 65 });
    throw err;
  }
  if (!plan.caseId) {
    throw new UserError(`${ref}: plan ${plan.id} belongs to no case; only a plan of a stored case is applied (its notice's verdict is the store's)`, {
      exitCode: 65,
      hint: "open the case with abuse-desk intake NOTICE, then abuse-desk plan CASE",
    });
  }
  const { storedVerdict } = await import("../desk/index.ts");
  const verdict = await storedVerdict(store, plan);
  const note = plan.verdict !== verdict ? `${ref} says the notice was ${plan.verdict}; the case store says ${verdict}, which is what counts` : undefined;
  return {
    plan: { ...plan, verdict, steps: plan.steps.map(({ subjects: _subjects, ...s }) => ({ ...s, autoApprovable: false }) as Plan["steps"][number]) },
    adopt: true,
    ...(note ? { note } : {}),
  };
}

/**
 * Asks a person before an account changes. Without a terminal there is no one to ask: refused
 * unless `--yes` says the plan was reviewed.
 */
export async function confirmOrRefuse(question: string, yes: boolean | undefined, what: string): Promise<void> {
  const { UserError } = await import("../errors.ts");
  if (yes) return;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UserError(`refusing to ${what} without a confirmation: there is no terminal to ask on`, { exitCode: 64, hint: "review it with abuse-desk plan, then pass --yes" });
  }
  const { confirm, isCancel } = await import("@clack/prompts");
  const { withTerminal } = await import("./io.ts");
  const { safeText } = await import("../safe-text.ts");
  const ok = await withTerminal(() => confirm({ message: safeText(question), initialValue: false }));
  if (isCancel(ok) || ok !== true) throw new UserError("cancelled: nothing was changed", { exitCode: 1 });
}

/** The hint after a saved plan follows its notice's verdict: a forged notice is reported to AWS, not applied. */
function applyHint(verdict: Plan["verdict"], caseId: string, flags: string): string {
  if (verdict === "phishing" || verdict === "suspicious") return `Its notice was judged ${verdict}: do not apply it; report the notice to AWS (forward it as an attachment to ${REPORT_SPOOFING}).`;
  return `Apply it with: abuse-desk apply ${caseId}${flags}`;
}

export function register(program: Command): void {
  const cmd = program
    .command("plan")
    .description("show what containment would do for a notice or a case: each step, why, its risk, and the exact API calls (a dry run: nothing changes)")
    .argument("<file-or-case>", "a notice file (.eml, mbox, Health event JSON, text; - for standard input), a plan JSON, or a case (AD-2026-0001 or AWS case number)")
    .option("--json", "print the plan as JSON")
    .option("--policy <file>", "the containment policy (YAML; default: $ABUSE_DESK_POLICY, else the safe defaults)")
    .option("--account <spec>", "where the resources are: sim, sim:PATH or aws (default: $ABUSE_DESK_ACCOUNT)")
    .option("--profile <name>", "AWS profile (with --account aws)")
    .option("--region <region>", "AWS home region (with --account aws)")
    .option("--out <file>", "also write the plan to this file (for abuse-desk apply FILE): created 0600, never through a symbolic link, never over an existing file (exit 73)")
    .option("--force", "with --out: replace an existing file (never a symbolic link)");
  // The playbook options, from the one list a test walks for every playbook (src/playbook/options.ts).
  for (const o of PLAN_OPTIONS) cmd.option(o.arg ? `${o.flag} ${o.arg}` : o.flag, o.description);
  cmd
    .option("--no-calls", "leave the API calls out of the text output")
    .option("--now <iso>", "the current time (default: now)")
    .option("--plan-id <id>", "the plan's id (default: plan-TIME-RANDOM)");
  dnsOptions.add(cmd);
  cmd.action(async (ref: string, opts: Options) => {
    const { UserError } = await import("../errors.ts");
    const { printJson, colors, readInput, parseNotices, timeOption, withStoreIfAny } = await import("./io.ts");
    const { formatPlan } = await import("../execute/format.ts");
    const { optionsFromFlags, planContainment } = await import("../playbook/index.ts");
    const { loadPolicy } = await import("../policy/load.ts");

    const now = opts.now ? timeOption("--now", opts.now) : new Date();
    let options: PlaybookOptions;
    try {
      options = optionsFromFlags(opts as unknown as Record<string, unknown>);
    } catch (err) {
      throw new UserError((err as Error).message, { exitCode: 64 });
    }
    const { searchOutcome, notSearchedError } = await import("../resolve/outcome.ts");
    /** Planned from a partial search: the plan is shown and kept, then exit 69 naming what was not searched. */
    const incomplete = (resolution: Resolution, what: string) => {
      const o = searchOutcome(resolution);
      if (o.status === "not-searched") throw notSearchedError(o.missing, what, again);
    };
    // searching again is this same command, with the account flags the person gave
    const again = `abuse-desk plan ${shellWord(ref)}${accountFlags(opts)}`;
    const show = (plan: Plan) => {
      if (opts.json) printJson(plan);
      else process.stdout.write(formatPlan(plan, colors, { calls: opts.calls }) + "\n");
    };

    // A file, or `-` for standard input: a plan JSON is shown as it is, anything else is a notice.
    const input = ref === "-" || existsSync(ref) ? await readInput(ref) : null;
    if (input) {
      const plan = planFromBytes(input.bytes);
      if (plan) return show(plan);
    } else if (looksLikePath(ref)) {
      throw new UserError(`${ref}: no such file`, { exitCode: 66, hint: "give a notice file, - for standard input, or a case (AD-2026-0001 or the AWS case number)" });
    }

    const policy = await loadPolicy(opts.policy ?? (process.env.ABUSE_DESK_POLICY || undefined));
    const { openAccount } = await import("../config/account.ts");
    const port = await openAccount(opts.account, { profile: opts.profile, region: opts.region });
    const { resolveNotice } = await import("../resolve/index.ts");

    try {
      if (input) {
        const { verify } = await import("../verify/index.ts");
        const { bytes, name } = input;
        const parsed = await parseNotices(bytes, name);
        const items: ParsedItem[] = parsed.items;
        if (items.length !== 1) {
          throw new UserError(`${name}: ${items.length} notices; a plan is for one notice`, { exitCode: 65, hint: "open cases with abuse-desk intake, then plan each case" });
        }
        const item = items[0]!;
        const dns = await dnsOptions.open(opts, now);
        const verdict = await verify(item, dns.verifyOptions);
        await dns.save();
        const { addressHistoryOf } = await import("../resolve/index.ts");
        const resolution = await withStoreIfAny((store) => resolveNotice(item.notice, port, { now, ...addressHistoryOf(store) }));
        // A credential notice with no case: nothing sweeps its credentials here, which the search says.
        const { noticeNotSweptGap } = await import("../credentials/case.ts");
        const unswept = noticeNotSweptGap(item.notice);
        if (unswept) resolution.gaps.push(unswept);
        const { newPlanId } = await import("../desk/index.ts");
        const plan = planContainment({ planId: opts.planId ?? newPlanId(now), caseId: null, createdAt: now.toISOString(), notice: item.notice, verdict: verdict.verdict, resolution, policy, options });
        if (opts.out) writePrivateFile(opts.out, JSON.stringify(plan, null, 2) + "\n", { force: opts.force === true });
        show(plan);
        return incomplete(resolution, `plan ${plan.id}`);
      }

      // A case: plan for its latest notice that asks for action, and keep the plan with the case.
      await withStore(async (store) => {
        const { planCase } = await import("../desk/index.ts");
        const { notifyAfterChange, cliActor } = await import("./io.ts");
        const { case: c, plan, resolution, recovered } = await planCase(store, ref, { port, recoverWith: port, policy, options, now, actor: await cliActor(), ...(opts.planId ? { planId: opts.planId } : {}) });
        if (recovered.length) process.stderr.write((await import("../execute/format.ts")).formatRecovered(recovered, colors).join("\n") + "\n");
        if (opts.out) writePrivateFile(opts.out, JSON.stringify(plan, null, 2) + "\n", { force: opts.force === true });
        show(plan);
        if (!opts.json) process.stdout.write(colors.dim(`\nSaved with case ${c.id}. ${applyHint(plan.verdict, c.id, accountFlags(opts))}\n`));
        // A plan waiting for approval is news for the team (docs/notify.md).
        const n = await notifyAfterChange(store, c.id, now);
        if (n.warning) process.stderr.write(colors.yellow(`warning: ${n.warning}\n`));
        incomplete(resolution, `plan ${plan.id} of ${c.id}`);
      });
    } finally {
      port.close?.();
    }
  });
}
