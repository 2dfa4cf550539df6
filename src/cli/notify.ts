/**
 * `abuse-desk notify test|due|run`: try the configured channels, list what is due, and send it
 * (the scheduler's entry point: run it every few minutes from cron or a systemd timer).
 */
import type { Command } from "commander";
import { UserError } from "../errors.ts";
import { colors, printJson, withStore } from "./io.ts";
import type { Case, CaseStore } from "../case/types.ts";
import type { DeliveryOutcome, NotifyEvent } from "../notify/types.ts";

async function openCases(store: CaseStore, ref: string | undefined): Promise<Case[]> {
  if (ref) return [await store.requireCase(ref)];
  const out: Case[] = [];
  let after: string | null = null;
  do {
    const page = await store.listCases({}, { limit: 500, after });
    out.push(...page.items);
    after = page.next;
  } while (after);
  return out;
}

function printOutcomes(outcomes: DeliveryOutcome[]): void {
  for (const x of outcomes) {
    const mark = x.ok ? colors.green("ok    ") : colors.red("FAILED");
    process.stdout.write(`  ${mark} ${x.channel.padEnd(16)} ${x.attempts} attempt${x.attempts === 1 ? "" : "s"}, ${x.elapsedMs} ms${x.error ? `: ${x.error}` : ""}\n`);
  }
}

export function register(program: Command): void {
  const cmd = program.command("notify").description("notifications (Slack, e-mail, signed webhook): test the channels, list and send what is due");

  cmd
    .command("test")
    .description("send a test notification to every configured channel (or one) and wait for the answers")
    .option("--channel <name>", "only this channel (slack, email, webhook:NAME)")
    .option("--json", "print the outcomes as JSON")
    .action(async (o: { channel?: string; json?: boolean }) => {
      const [{ readConfigFile }, { notifySettings }, { dispatch }] = await Promise.all([import("../config/file.ts"), import("../notify/config.ts"), import("../notify/dispatch.ts")]);
      const settings = notifySettings(readConfigFile());
      const channels = o.channel ? settings.channels.filter((c) => c.name === o.channel) : settings.channels;
      if (settings.channels.length === 0) throw new UserError("no notification channel is configured", { exitCode: 78, hint: "see docs/notify.md (notify: in config.yaml, or ABUSE_DESK_SLACK_WEBHOOK_URL)" });
      if (channels.length === 0) throw new UserError(`no channel named ${o.channel}; configured: ${settings.channels.map((c) => c.name).join(", ")}`, { exitCode: 64 });
      const now = new Date().toISOString();
      const event: NotifyEvent = {
        kind: "test",
        key: `test:${now}`,
        caseId: "AD-TEST",
        awsCaseNumber: null,
        at: now,
        title: "abuse-desk test notification",
        text: "If you can read this, abuse-desk can reach this channel. Nothing happened to any case.",
        severity: "info",
        fields: [{ label: "Sent", value: now }],
        data: { test: true },
      };
      const outcomes = await dispatch(event, channels, settings.retry);
      if (o.json) printJson(outcomes);
      else printOutcomes(outcomes);
      if (outcomes.some((x) => !x.ok)) process.exitCode = 69;
    });

  cmd
    .command("due")
    .description("list the notifications due now (new cases, alarming verdicts, deadlines, plans waiting, failed steps, replies sent); sends nothing")
    .argument("[case]", "one case (default: every open case)")
    .option("--json", "print the events as JSON")
    .action(async (ref: string | undefined, o: { json?: boolean }) => {
      const [{ readConfigFile }, { notifySettings }, { caseState }, { dueNotifications }] = await Promise.all([
        import("../config/file.ts"),
        import("../notify/config.ts"),
        import("../notify/index.ts"),
        import("../notify/due.ts"),
      ]);
      const settings = notifySettings(readConfigFile());
      const events: NotifyEvent[] = [];
      await withStore(async (store) => {
        const now = new Date();
        for (const c of await openCases(store, ref)) events.push(...dueNotifications(await caseState(store, c.id), now, { deadlineWarningHours: settings.deadlineWarningHours }));
      });
      if (o.json) return printJson(events);
      if (events.length === 0) return void process.stdout.write("nothing due\n");
      const { renderTable } = await import("./table.ts");
      process.stdout.write(renderTable(events.map((e) => [e.caseId, e.kind, e.title])) + "\n");
      if (settings.channels.length === 0) process.stdout.write(colors.dim("no channel configured: `notify run` would send nothing (docs/notify.md)\n"));
    });

  cmd
    .command("run")
    .description("send what is due and record each outcome on the case's timeline (for cron / a systemd timer)")
    .argument("[case]", "one case (default: every open case)")
    .option("--json", "print { event, outcomes } for each event sent")
    .action(async (ref: string | undefined, o: { json?: boolean }) => {
      const [{ readConfigFile }, { notifySettings }, { caseState, storeNotifier }, { dueNotifications }] = await Promise.all([
        import("../config/file.ts"),
        import("../notify/config.ts"),
        import("../notify/index.ts"),
        import("../notify/due.ts"),
      ]);
      const settings = notifySettings(readConfigFile());
      if (settings.channels.length === 0) throw new UserError("no notification channel is configured", { exitCode: 78, hint: "see docs/notify.md" });
      const sent: { event: NotifyEvent; outcomes: DeliveryOutcome[] }[] = [];
      await withStore(async (store) => {
        const notifier = storeNotifier(store, settings, (err) => process.stderr.write(`abuse-desk: notification not recorded: ${(err as Error).message}\n`));
        const now = new Date();
        for (const c of await openCases(store, ref)) {
          for (const event of dueNotifications(await caseState(store, c.id), now, { deadlineWarningHours: settings.deadlineWarningHours })) {
            sent.push({ event, outcomes: await notifier.send(event) });
          }
        }
      });
      if (o.json) printJson(sent);
      else if (sent.length === 0) process.stdout.write("nothing due\n");
      else
        for (const s of sent) {
          process.stdout.write(`${s.event.caseId}  ${s.event.kind}: ${s.event.title}\n`);
          printOutcomes(s.outcomes);
        }
      // A channel that failed is on the timeline; the exit status tells cron too.
      if (sent.some((s) => s.outcomes.some((x) => !x.ok))) process.exitCode = 69;
    });
}
