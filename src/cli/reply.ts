/**
 * `abuse-desk reply CASE`: drafts the reply to AWS (dry run: prints it, records the draft); with
 * `--send smtp|ses|file` sends it in the notice's thread (or writes a .eml) and records it.
 */
import { join } from "node:path";
import { type Command, Option } from "commander";
import { UserError } from "../errors.ts";
import type { ReplySender } from "../reply/send.ts";
import { colors, printJson, withStore } from "./io.ts";

interface Opts {
  send?: "smtp" | "ses" | "file";
  out?: string;
  force?: boolean;
  to?: string;
  from?: string;
  cc?: string[];
  allowNonAwsRecipient?: boolean;
  extend?: string;
  why?: string;
  legitimate?: string;
  rootCause?: string;
  prevention?: string[];
  done?: string[];
  template?: string;
  templates?: string;
  includeOwners?: boolean;
  json?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  program
    .command("reply")
    .description("draft the reply to AWS for a case (dry run); --send sends it in the notice's thread")
    .argument("<case>", "case id (AD-2026-0001) or AWS's case number")
    .addOption(new Option("--send <via>", "send it: by SMTP, by Amazon SES, or as a .eml file").choices(["smtp", "ses", "file"]))
    .option("--out <file>", "write the message as a .eml file (with --send file: where; otherwise a copy): created 0600, never through a symbolic link, never over an existing file (exit 73)")
    .option("--force", "with --out: replace an existing file (never a symbolic link)")
    .option("--to <address>", "reply to this address instead of the notice's sender")
    .option("--allow-non-aws-recipient", "confirm sending to an address that is not one of AWS's abuse addresses")
    .option("--from <address>", "the From address (default: reply.from in config.yaml, or ABUSE_DESK_REPLY_FROM)")
    .option("--cc <address>", "copy your own team (repeatable)", collect)
    .option("--extend <hours>", "ask AWS for this many more hours (needs --why)")
    .option("--why <text>", "why more time is needed")
    .option("--legitimate <use-case>", "the activity was legitimate (an approved penetration test): say what it was")
    .option("--root-cause <text>", "what caused it, when known")
    .option("--prevention <text>", "a measure against recurrence, beyond the template's (repeatable)", collect)
    .option("--done <text>", "record an action done by hand (now), stated in the reply (repeatable)", collect)
    .option("--include-owners", "name the resources' owners and teams (from their tags) in the reply (default: reply.includeOwners in config.yaml, else no)")
    .option("--template <name>", "use this template instead of the activity's (intrusion, dos, other, ...)")
    .option("--templates <dir>", "a directory of templates overriding the shipped ones")
    .option("--json", "print JSON: { case, draft, sent, eml }")
    .action(async (ref: string, o: Opts) => {
      const [{ dataHome }, { readConfigFile }, { replySettings, smtpSettings }, { loadTemplates }, { recordManualAction, refuseDrillSend, replyForCase }, send] = await Promise.all([
        import("../home.ts"),
        import("../config/file.ts"),
        import("../reply/config.ts"),
        import("../reply/templates.ts"),
        import("../reply/case.ts"),
        import("../reply/send.ts"),
      ]);

      if (o.why !== undefined && o.extend === undefined) throw new UserError("--why goes with --extend HOURS", { exitCode: 64 });
      let extension: { hours: number; why: string } | undefined;
      if (o.extend !== undefined) {
        const hours = Number(o.extend);
        if (!/^\d+$/.test(o.extend.trim()) || hours < 1) throw new UserError(`--extend: a whole number of hours, not ${o.extend}`, { exitCode: 64 });
        if (!o.why?.trim()) throw new UserError("--extend needs --why: AWS grants more time for a reason", { exitCode: 64 });
        extension = { hours, why: o.why };
      }
      if (o.legitimate !== undefined && !o.legitimate.trim()) throw new UserError("--legitimate needs the use case in words", { exitCode: 64 });

      const doc = readConfigFile();
      const settings = replySettings(doc);
      const templates = loadTemplates([...(o.templates ? [o.templates] : []), ...settings.templateDirs]);
      const from = o.from ?? settings.from;
      const cc = [...settings.cc, ...(o.cc ?? [])];

      await withStore(async (store) => {
        const c = await store.requireCase(ref);
        if (o.send) refuseDrillSend(c.id, await store.timeline(c.id), o.send);
        let sender: ReplySender | null = null;
        if (o.send === "smtp") {
          const smtp = smtpSettings(doc);
          if (!smtp) throw new UserError("no SMTP server configured", { exitCode: 78, hint: "set ABUSE_DESK_SMTP_URL=smtp://user:password@host:587 or the smtp: section of config.yaml (docs/reply.md)" });
          sender = send.smtpSender(smtp);
        } else if (o.send === "ses") {
          const { SESv2Client } = await import("@aws-sdk/client-sesv2");
          sender = send.sesSender(new SESv2Client(settings.ses.region ? { region: settings.ses.region } : {}), settings.ses.configurationSet ? { configurationSet: settings.ses.configurationSet } : {});
        } else if (o.send === "file") {
          const stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
          sender = send.fileSender(o.out ?? join(dataHome(), "replies", `${c.id}-${stamp}.eml`), { force: o.force === true });
        }
        for (const d of o.done ?? []) await recordManualAction(store, c.id, d);

        const result = await replyForCase(store, c.id, {
          options: {
            ...(extension ? { extension } : {}),
            ...(o.legitimate ? { legitimate: { useCase: o.legitimate } } : {}),
            ...(o.rootCause ? { rootCause: o.rootCause } : {}),
            ...(o.prevention ? { prevention: o.prevention } : {}),
            ...(o.to ? { to: o.to } : {}),
            ...(o.template ? { template: o.template } : {}),
            awsAddresses: settings.awsAddresses,
            signature: settings.signature,
            includeOwners: o.includeOwners === true || settings.includeOwners,
          },
          templates,
          send: sender ? { sender, from, cc, allowNonAws: o.allowNonAwsRecipient === true, awsAddresses: settings.awsAddresses } : null,
          eml: o.send === "file" ? null : (o.out ?? null),
          ...(o.force ? { force: true } : {}),
        });

        // Tell the team a reply went out; delivery runs beside the exit and never fails the command.
        if (result.sent && result.sent.via !== "file") {
          const { notifySettings, notifyCase, storeNotifier } = await import("../notify/index.ts");
          const ns = notifySettings(doc);
          if (ns.channels.length) {
            const notifier = storeNotifier(store, ns, (err) => process.stderr.write(`abuse-desk: notification not recorded: ${(err as Error).message}\n`));
            await notifyCase(store, c.id, ns, { wait: false, notifier });
            await notifier.drain(30_000);
          }
        }

        if (o.json) {
          printJson({ case: result.case, draft: result.draft, sent: result.sent, eml: result.eml });
          return;
        }
        const d = result.draft;
        const out: string[] = [];
        const hdr = (k: string, v: string) => out.push(`${colors.dim(k.padEnd(13))}${v}`);
        hdr("To:", d.to ? `${d.to}${d.toIsAws ? colors.dim("  (AWS abuse address)") : colors.yellow("  (NOT an AWS abuse address)")}` : colors.yellow("(unknown: give --to)"));
        if (cc.length && result.message) hdr("Cc:", result.message.cc.join(", "));
        hdr("Subject:", d.subject);
        if (d.inReplyTo) hdr("In-Reply-To:", d.inReplyTo);
        if (d.references.length) hdr("References:", d.references.join(" "));
        hdr("Template:", `${d.template}${templates.origins[d.template] ? colors.dim(`  ${templates.origins[d.template]}`) : ""}`);
        out.push("", d.text);
        process.stdout.write(out.join("\n"));
        for (const w of d.warnings) process.stderr.write(colors.yellow(`warning: ${w}\n`));
        if (result.sent && result.sent.via !== "file") {
          process.stderr.write(colors.green(`Sent by ${result.sent.via} to ${d.to} (${result.sent.detail}); case ${result.case.id} is ${result.case.status}.\n`));
          if (result.eml) process.stderr.write(`A copy is in ${result.eml}\n`);
        } else if (result.eml) {
          process.stderr.write(`Written to ${result.eml}. Nothing was sent: send it from your mail client, then: abuse-desk case status ${c.id} replied\n`);
        } else {
          process.stderr.write(colors.dim(`Dry run: nothing sent. Send it with: abuse-desk reply ${c.id} --send smtp (or ses, or file --out reply.eml)\n`));
        }
      });
    });
}
