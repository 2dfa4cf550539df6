/**
 * `abuse-desk parse FILE [--json]`: what a notice says, as facts.
 *
 * With --json: one JSON object. For an input holding one notice, the Notice itself (the flat keys
 * `activityType`, `kind`, `caseNumber`, `accountIds`, ... first); for an input holding several (an
 * mbox, an array of Health events), `{ "items": [Notice & { index }], "failures": [{ index, error }] }`.
 */
import type { Command } from "commander";

export function register(program: Command): void {
  program
    .command("parse")
    .description("extract the facts of an AWS abuse notice (.eml, mbox, Health event JSON, or pasted text)")
    .argument("[file]", "the notice; standard input when absent or -")
    .option("--json", "print the Notice as JSON")
    .option("--received-at <iso>", "when the notice was received (for the default 24-hour deadline of pasted text)")
    .action(async (file: string | undefined, opts: { json?: boolean; receivedAt?: string }) => {
      const { readInput, parseNotices, printJson, colors } = await import("./io.ts");
      const { UserError } = await import("../errors.ts");
      const { noticeJson } = await import("./json/view.ts");
      const { bytes, name } = await readInput(file);
      let receivedAt: string | undefined;
      if (opts.receivedAt) {
        // read like every time in a notice: explicit offset, else UTC
        const { parseTime } = await import("../notice/extract/times.ts");
        const t = parseTime(opts.receivedAt);
        if (!t) throw new UserError(`--received-at: "${opts.receivedAt}" is not a date and time`, { exitCode: 64, hint: "for example 2024-07-10T02:21:07Z" });
        receivedAt = t.iso;
      }
      const { items, failures } = await parseNotices(bytes, name, receivedAt ? { receivedAt } : {});
      if (opts.json) {
        if (items.length === 1 && failures.length === 0) printJson(noticeJson(items[0]!.notice, {}, { legacy: true }));
        else printJson({ items: items.map((i) => noticeJson(i.notice, { index: i.index }, { legacy: true })), failures });
      } else {
        const { formatNotice } = await import("../notice/summary.ts");
        const c = colors;
        items.forEach((item, k) => {
          if (items.length > 1) process.stdout.write(`${k ? "\n" : ""}${c.bold(`# ${item.index + 1}`)}\n`);
          process.stdout.write(formatNotice(item.notice, c) + "\n");
        });
        for (const f of failures) process.stdout.write(c.red(`message ${f.index + 1}: could not be read: ${f.error}\n`));
      }
      if (items.length === 0) process.exitCode = 65;
    });
}
