/**
 * `abuse-desk case list|show|assign|note|checklist|status|link|close|reopen`: the cases in the store.
 * The store is the one DATABASE_URL names, else SQLite in $ABUSE_DESK_HOME (or ~/.abuse-desk).
 */
import { Argument, type Command, Option } from "commander";
import { UserError } from "../errors.ts";
import { cliActor, colors, printJson, withStore } from "./io.ts";
import { CASE_STATUSES, OPEN_STATUSES, SEVERITIES, type Case, type CaseFilter, type CaseStatus, type Severity, type TimelineEvent } from "../case/types.ts";


function list(value: string, allowed: readonly string[], what: string): string[] {
  const items = value
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const i of items) if (!allowed.includes(i)) throw new UserError(`unknown ${what} ${i}; one of ${allowed.join(", ")}`, { exitCode: 64 });
  return items;
}

const severityColor: Record<Severity, (s: string) => string> = {
  critical: (s) => colors.bold(colors.red(s)),
  high: colors.red,
  medium: colors.yellow,
  low: colors.dim,
};

function deadlineCell(c: Case, now: Date, humanTime: (at: string, o?: { now?: Date }) => string): string {
  if (c.status === "resolved" || c.status === "closed") return colors.dim(humanTime(c.deadline.at));
  const ms = new Date(c.deadline.at).getTime() - now.getTime();
  const paint = ms < 0 ? (s: string) => colors.bold(colors.red(s)) : ms < 4 * 3600_000 ? colors.yellow : (s: string) => s;
  return paint(humanTime(c.deadline.at, { now }));
}

export function register(program: Command): void {
  const cmd = program.command("case").description("list, show and update cases (the store: DATABASE_URL, else SQLite in $ABUSE_DESK_HOME or ~/.abuse-desk)");

  cmd
    .command("list")
    .description("open cases, deadline first (filters combine)")
    .option("--status <list>", `only these statuses, comma-separated (${CASE_STATUSES.join(", ")})`)
    .option("--all", "every status, resolved and closed included")
    .option("--deadline-before <time>", "deadline before this time (ISO 8601)")
    .option("--deadline-within <duration>", "deadline within this long from now (90m, 4h, 2d), overdue included")
    .option("--account <id>", "cases naming this AWS account")
    .option("--activity <type>", "this activity type (port_scan, dos, ...)")
    .option("--assignee <name>", "assigned to this person")
    .option("--unassigned", "nobody assigned")
    .addOption(new Option("--severity <level>", "this severity").choices(SEVERITIES))
    .option("--needs-linking", "follow-ups that matched no case")
    .option("--limit <n>", "cases per page (1-1000)", "50")
    .option("--after <cursor>", "the next page (the cursor the previous page printed)")
    .option("--json", "print JSON: { items, next }")
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const { parseDuration } = await import("../case/format.ts");
      const { humanTime } = await import("../time.ts");
      const { ACTIVITY_TYPES } = await import("../notice/types.ts");
      const filter: CaseFilter = {};
      if (typeof o.status === "string") filter.status = list(o.status, CASE_STATUSES, "status") as CaseStatus[];
      if (o.all) filter.all = true;
      const now = new Date();
      const before: string[] = [];
      if (typeof o.deadlineBefore === "string") {
        const t = new Date(o.deadlineBefore);
        if (Number.isNaN(t.getTime())) throw new UserError(`--deadline-before: not a time: ${o.deadlineBefore}`, { exitCode: 64, hint: "ISO 8601, like 2026-05-04T18:00Z" });
        before.push(t.toISOString());
      }
      if (typeof o.deadlineWithin === "string") before.push(new Date(now.getTime() + parseDuration(o.deadlineWithin)).toISOString());
      if (before.length) filter.deadlineBefore = before.sort()[0];
      if (typeof o.account === "string") filter.accountId = o.account.trim();
      if (typeof o.activity === "string") filter.activityType = list(o.activity, [...ACTIVITY_TYPES], "activity type")[0] as CaseFilter["activityType"];
      if (o.unassigned && typeof o.assignee === "string") throw new UserError("--assignee and --unassigned contradict each other", { exitCode: 64 });
      if (typeof o.assignee === "string") filter.assignee = o.assignee;
      if (o.unassigned) filter.assignee = null;
      if (typeof o.severity === "string") filter.severity = o.severity as Severity;
      if (o.needsLinking) filter.needsLinking = true;
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UserError(`--limit: a whole number from 1 to 1000, not ${String(o.limit)}`, { exitCode: 64 });

      const page = await withStore((s) => s.listCases(filter, { limit, after: typeof o.after === "string" ? o.after : null }));
      if (o.json) return printJson(page);
      if (page.items.length === 0) {
        process.stdout.write(`no cases${filter.all || filter.status ? "" : " open"} match\n`);
        return;
      }
      const { renderTable } = await import("./table.ts");
      const rows = page.items.map((c) => [
        c.id + (c.needsLinking ? colors.yellow(" *") : ""),
        c.status,
        { text: c.severity, paint: severityColor[c.severity] },
        c.activityType,
        c.accountId ?? "-",
        deadlineCell(c, now, humanTime),
        c.assignee ?? { text: "-", paint: colors.dim },
        c.awsCaseNumber ?? "-",
      ]);
      // the deadline, the assignee and AWS's number wrap first; the id, status and account never need to
      process.stdout.write(renderTable(rows, { head: ["CASE", "STATUS", "SEVERITY", "ACTIVITY", "ACCOUNT", "DEADLINE", "ASSIGNEE", "AWS CASE"], wrap: [3, 5, 6, 7] }) + "\n");
      const linking = page.items.filter((c) => c.needsLinking);
      if (linking.length) {
        process.stdout.write(colors.dim("* needs linking: link it to the case it belongs to (abuse-desk case link FROM INTO)\n"));
        for (const c of linking) process.stdout.write(colors.dim(`  ${c.id}: ${c.linkReason ?? "a follow-up that matched no case"}\n`));
      }
      if (page.next) process.stdout.write(colors.dim(`more: abuse-desk case list ... --after ${page.next}\n`));
    });

  cmd
    .command("show")
    .description("a case: facts, verdict, deadline and time left, notices, plans, evidence, timeline")
    .argument("<case>", "case id (AD-2026-0001) or AWS's case number")
    .option("--account <spec>", "also end any all-traffic transit an interrupted run left open: sim, sim:PATH or aws")
    .option("--profile <name>", "AWS profile (with --account aws)")
    .option("--region <region>", "AWS home region (with --account aws)")
    .option("--json", "print JSON: { case, notices, plans, evidence, timeline, transits, recovered, investigations, checklist }")
    .action(async (ref: string, o: { json?: boolean; account?: string; profile?: string; region?: string }) => {
      const { humanTime } = await import("../time.ts");
      const { readCase } = await import("../case/read.ts");
      const { caseOpenTransits, recoverTransits } = await import("../desk/index.ts");
      const data = await withStore(async (s) => {
        let recovered: Awaited<ReturnType<typeof recoverTransits>> = [];
        if (o.account) {
          const c = await s.requireCase(ref);
          const { openAccount } = await import("../config/account.ts");
          const port = await openAccount(o.account, { profile: o.profile, region: o.region });
          try {
            recovered = await recoverTransits(s, { port, caseId: c.id, actor: await cliActor() });
          } finally {
            port.close?.();
          }
        }
        // the readiness runs read for the gaps are the report's and the case page's (abuse-desk report), not the case record's
        const { journal: _journal, readiness: _readiness, ...rest } = await readCase(s, ref);
        return { ...rest, transits: await caseOpenTransits(s, rest.case.id), recovered };
      });
      if (o.json) {
        const { storedNoticeJson } = await import("./json/view.ts");
        const { activityJson } = await import("./investigate.ts");
        return printJson({ ...data, notices: data.notices.map(storedNoticeJson), ...(data.investigations ? { investigations: data.investigations.map((i) => ({ ...i, activity: i.activity.map(activityJson) })) } : {}) });
      }
      const c = data.case;
      const now = new Date();
      const out: string[] = [];
      const row = (label: string, value: string) => out.push(`  ${colors.dim(label.padEnd(12))}${value}`);
      out.push(`${colors.bold(c.id)}  ${c.status}  ${severityColor[c.severity](c.severity)}${c.severitySource === "manual" ? colors.dim(" (set by hand)") : ""}${c.needsLinking ? colors.yellow("  needs linking") : ""}`);
      if (c.needsLinking) row("linking", c.linkReason ?? "a follow-up that matched no case");
      if (c.subject) row("subject", c.subject);
      row("activity", c.activityType);
      row("AWS case", c.awsCaseNumber ?? "-");
      row("accounts", c.accountIds.join(", ") || "-");
      row("resources", c.resources.join(", ") || "-");
      row("regions", c.regions.join(", ") || "-");
      const verdictPaint = c.verdict === "authentic" ? colors.green : c.verdict === "unverified" ? colors.yellow : colors.red;
      row("verdict", verdictPaint(c.verdict));
      const open = OPEN_STATUSES.includes(c.status);
      row("deadline", `${humanTime(c.deadline.at, open ? { now } : {})} (${c.deadline.basis}${c.deadline.text ? `: ${c.deadline.text}` : ""})`);
      row("assignee", c.assignee ?? "-");
      row("received", `${humanTime(c.receivedAt)}${c.noticeCount > 1 ? `, ${c.noticeCount} notices, last ${humanTime(c.lastNoticeAt)}` : ""}`);
      if (c.closedAt) row(c.status, `${humanTime(c.closedAt)}${c.resolution ? `: ${c.resolution}` : ""}`);
      // The latest search, if a place could not be read: said before anything else about the resources.
      const { unsearchedFromTimeline } = await import("../reply/timeline.ts");
      const { missingLines } = await import("../resolve/outcome.ts");
      const missing = missingLines(unsearchedFromTimeline(data.timeline));
      if (missing.length) {
        out.push("", colors.red(colors.bold("Not searched")) + colors.dim(" (could not be read: nothing there is \"not found\")"));
        for (const l of missing) out.push(`  ${l}`);
      }

      if (data.recovered.length) out.push("", ...(await import("../execute/format.ts")).formatRecovered(data.recovered, colors).slice(0, -1));
      if (data.transits.length) {
        out.push("", colors.bold(colors.red("In transit: open to all until moved on")));
        for (const t of data.transits) {
          out.push(`  ${colors.red(t.networkInterfaceId)} may be in the all-traffic group ${t.allTrafficGroupId} since ${t.since} (plan ${t.planId}, step ${t.stepId}): an interrupted run left it between its old groups (${t.groupIds.join(", ") || "none"}) and the isolation group ${t.isolationGroupId}`);
        }
        out.push(colors.yellow(`  End it now: abuse-desk case show ${c.id} --account SPEC (or apply, rollback, plan the case): it is moved on to the isolation group, or back to its old groups if the plan is rolled back`));
      }

      out.push("", colors.bold("Notices"));
      for (const n of data.notices) {
        out.push(`  #${n.id} ${n.receivedAt} ${n.kind} ${n.activityType} ${n.verdict}${n.caseNumber ? ` [${n.caseNumber}]` : ""}  ${colors.dim(n.joinedBy)}`);
        if (n.subject) out.push(`     ${colors.dim(n.subject)}`);
      }
      if (data.plans.length) {
        out.push("", colors.bold("Plans"));
        for (const p of data.plans) out.push(`  ${p.id} (${p.playbook}): ${p.steps.length} steps${p.refused.length ? `, ${p.refused.length} refused` : ""}`);
      }
      if (data.checklist) {
        const open = data.checklist.filter((i) => i.state === "open").length;
        out.push("", colors.bold("Root checklist") + colors.dim(` (${open} of ${data.checklist.length} open; abuse-desk case checklist ${c.id} --done ITEM)`));
        for (const i of data.checklist) out.push(`  [${i.state === "done" ? "x" : " "}] ${i.id}${i.by ? colors.dim(` ${i.state} by ${i.by}, ${i.at}`) : ""}`);
      }
      if (data.evidence.length) {
        out.push("", colors.bold("Evidence"));
        for (const e of data.evidence) out.push(`  ${e.label}  sha256:${e.sha256}  ${colors.dim(`${e.source}, ${e.collectedAt}${e.path ? `, ${e.path}` : ""}`)}`);
      }
      out.push("", colors.bold("Timeline"));
      for (const e of data.timeline) out.push(`  ${e.at.slice(0, 19).replace("T", " ")}Z  ${eventLabel(e)}  ${e.summary}  ${colors.dim(e.actor)}`);
      process.stdout.write(out.join("\n") + "\n");
    });

  cmd
    .command("assign")
    .description("assign a case to someone (or --unassign)")
    .argument("<case>", "case id")
    .argument("[assignee]", "who takes it")
    .option("--unassign", "nobody")
    .option("--json", "print the case as JSON")
    .action(async (ref: string, who: string | undefined, o: { unassign?: boolean; json?: boolean }) => {
      if (!who && !o.unassign) throw new UserError("say who: abuse-desk case assign CASE NAME (or --unassign)", { exitCode: 64 });
      if (who && o.unassign) throw new UserError("give a name or --unassign, not both", { exitCode: 64 });
      const c = await withStore((s) => s.assign(ref, o.unassign ? null : who!));
      done(c, o.json, c.assignee ? `${c.id} assigned to ${c.assignee}` : `${c.id} unassigned`);
    });

  cmd
    .command("note")
    .description("add a note to a case's timeline")
    .argument("<case>", "case id")
    .argument("<text...>", "the note")
    .option("--json", "print the timeline event as JSON")
    .action(async (ref: string, words: string[], o: { json?: boolean }) => {
      const ev = await withStore((s) => s.addNote(ref, words.join(" ")));
      if (o.json) return printJson(ev);
      process.stdout.write(`note added to ${ev.caseId}\n`);
    });

  cmd
    .command("checklist")
    .description("the root checklist of a credential case (what only the root user can do): each item open or done, by whom, when; --done ITEM marks one")
    .argument("<case>", "case id (AD-2026-0001) or AWS's case number")
    .option("--done <item>", "mark this item done (its id: root-access-keys, root-password-mfa, contact-information, root-sign-ins, billing-review)")
    .option("--reopen <item>", "mark this item open again")
    .option("--actor <name>", "who, as the case's timeline names them (default: $ABUSE_DESK_ACTOR, else the OS user)")
    .option("--json", "print { caseId, changed, items } as JSON")
    .action(async (ref: string, o: { done?: string; reopen?: string; actor?: string; json?: boolean }) => {
      if (o.done !== undefined && o.reopen !== undefined) throw new UserError("--done or --reopen, not both", { exitCode: 64 });
      const checkItem: (item: unknown) => void = (await import("../case/checklist.ts")).checkItem;
      const { isCredentialCase } = await import("../credentials/checklist.ts");
      const item = o.done ?? o.reopen;
      // Refused before the store is opened: an item outside the catalogue is a usage error.
      if (item !== undefined) checkItem(item);
      const r = await withStore(async (s) => {
        const c = await s.requireCase(ref);
        if (!isCredentialCase(c, await s.notices(c.id)))
          throw new UserError(`case ${c.id} is not a credential case (${c.activityType.replace(/_/g, " ")}): the root checklist is for exposed credentials and account compromise`, { exitCode: 65 });
        const changed = item !== undefined ? (await s.setChecklistItem(c.id, item, o.done !== undefined ? "done" : "open", o.actor ? { actor: o.actor } : {})).changed : false;
        return { caseId: c.id, changed, items: await s.checklist(c.id) };
      });
      if (o.json) return printJson(r);
      const { safeText } = await import("../safe-text.ts");
      const out = [colors.bold(`Root checklist of ${r.caseId}`) + colors.dim(" (what only the root user can do; abuse-desk cannot do it)")];
      for (const i of r.items) out.push(`  [${i.state === "done" ? colors.green("x") : " "}] ${i.id.padEnd(20)} ${i.text}${i.state === "done" || i.by ? colors.dim(` (${i.state} by ${safeText(i.by ?? "?")}, ${i.at})`) : ""}`);
      const open = r.items.filter((i) => i.state === "open").length;
      out.push(open ? `${open} of ${r.items.length} open: mark one with abuse-desk case checklist ${r.caseId} --done ITEM` : "All done.");
      process.stdout.write(out.join("\n") + "\n");
    });

  cmd
    .command("status")
    .description("move a case forward (new -> triaged -> contained -> replied; resolved or closed)")
    .argument("<case>", "case id")
    .addArgument(new Argument("<status>", "the new status").choices(CASE_STATUSES))
    .option("--reason <text>", "why (kept in the timeline)")
    .option("--json", "print the case as JSON")
    .action(async (ref: string, status: CaseStatus, o: { reason?: string; json?: boolean }) => {
      const c = await withStore((s) => s.setStatus(ref, status, { reason: o.reason }));
      done(c, o.json, `${c.id} is ${c.status}`);
    });

  cmd
    .command("link")
    .description("move the notices of a case flagged 'needs linking' into the case they belong to")
    .argument("<from>", "the case to empty (it is closed as linked)")
    .argument("<into>", "the case the notices belong to")
    .option("--json", "print the receiving case as JSON")
    .action(async (from: string, into: string, o: { json?: boolean }) => {
      const c = await withStore((s) => s.linkCase(from, into));
      done(c, o.json, `${from.toUpperCase()} linked into ${c.id} (${c.noticeCount} notices now)`);
    });

  cmd
    .command("close")
    .description("close a case (reopen brings it back to where it was)")
    .argument("<case>", "case id")
    .option("--reason <text>", "why (kept in the timeline)")
    .option("--json", "print the case as JSON")
    .action(async (ref: string, o: { reason?: string; json?: boolean }) => {
      const { caseContainmentInPlace, caseOpenTransits } = await import("../desk/index.ts");
      const { c, held, transits } = await withStore(async (s) => {
        const found = await s.requireCase(ref);
        const held = await caseContainmentInPlace(s, found.id);
        const transits = await caseOpenTransits(s, found.id);
        return { c: await s.closeCase(found.id, { reason: o.reason }), held, transits };
      });
      // Closing forgets nothing, but a closed case is easily forgotten: say what still holds in the account.
      if (held.length || transits.length) {
        const lines = [`warning: ${c.id} is closed, but containment is still in place (closing a case changes nothing in the account):`];
        for (const { plan, steps } of held) {
          for (const { step, how } of steps) lines.push(`  ${plan.id} ${step.id}: ${how === "partly" ? "started, never finished (may be partly in place): " : ""}${step.changes}`);
        }
        for (const t of transits) lines.push(`  ${t.networkInterfaceId} may be in the all-traffic group ${t.allTrafficGroupId} (open to all) since ${t.since}`);
        lines.push(`  undo it with: abuse-desk rollback ${c.id} (once per applied plan), or keep it on purpose`);
        process.stderr.write(colors.yellow(lines.join("\n")) + "\n");
      }
      if (o.json) return printJson({ ...c, stillInPlace: held.flatMap(({ plan, steps }) => steps.map(({ step, how }) => ({ planId: plan.id, stepId: step.id, action: step.action, target: step.target.id, how, changes: step.changes }))) });
      done(c, false, `${c.id} closed`);
    });

  cmd
    .command("reopen")
    .description("reopen a resolved or closed case, back to the status it had")
    .argument("<case>", "case id")
    .option("--reason <text>", "why (kept in the timeline)")
    .option("--json", "print the case as JSON")
    .action(async (ref: string, o: { reason?: string; json?: boolean }) => {
      const c = await withStore((s) => s.reopenCase(ref, { reason: o.reason }));
      done(c, o.json, `${c.id} reopened: ${c.status}`);
    });
}

function done(c: Case, json: boolean | undefined, words: string): void {
  if (json) printJson(c);
  else process.stdout.write(words + "\n");
}

function eventLabel(e: TimelineEvent): string {
  const label = e.type.padEnd(16);
  if (e.type === "step-failed" || e.type === "step-rolled-back") return colors.red(label);
  if (e.type === "status" || e.type === "deadline") return colors.cyan(label);
  return colors.dim(label);
}
