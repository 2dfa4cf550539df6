/**
 * `abuse-desk report CASE [--format md|pdf] [--out FILE]`: the case report (facts, verdict,
 * resources, actions from the journal, evidence with SHA-256, timeline, the reply).
 */
import { type Command, Option } from "commander";
import { UserError } from "../errors.ts";
import { printJson, withStore } from "./io.ts";

export function register(program: Command): void {
  program
    .command("report")
    .description("the case report in Markdown or PDF: facts, verdict, resources, actions, evidence, timeline, reply")
    .argument("<case>", "case id (AD-2026-0001) or AWS's case number")
    .addOption(new Option("--format <format>", "md or pdf (default: from --out's extension, else md)").choices(["md", "pdf"]))
    .option("--out <file>", "write it here (a PDF needs a file unless standard output is piped): created 0600, never through a symbolic link, never over an existing file (exit 73)")
    .option("--force", "with --out: replace an existing file (never a symbolic link)")
    .option("--json", "print the report's content as JSON")
    .action(async (ref: string, o: { format?: "md" | "pdf"; out?: string; force?: boolean; json?: boolean }) => {
      const format = o.format ?? (o.out && /\.pdf$/i.test(o.out) ? "pdf" : "md");
      if (format === "pdf" && !o.out && !o.json && process.stdout.isTTY) {
        throw new UserError("a PDF is not for a terminal: give --out FILE.pdf (or pipe the output)", { exitCode: 64 });
      }
      const { reportForCase } = await import("../report/model.ts");
      const report = await withStore((store) => reportForCase(store, ref, new Date(), o.json ? "iso" : "human"));
      if (o.json) {
        const { reportJson } = await import("./json/view.ts");
        return printJson(reportJson(report));
      }

      let bytes: Buffer;
      if (format === "pdf") {
        const { renderPdf } = await import("../report/pdf.ts");
        bytes = await renderPdf(report);
      } else {
        const { renderMarkdown } = await import("../report/markdown.ts");
        bytes = Buffer.from(renderMarkdown(report), "utf8");
      }
      if (!o.out) {
        process.stdout.write(bytes);
        return;
      }
      const { writePrivateFile } = await import("../private-file.ts");
      writePrivateFile(o.out, bytes, { force: o.force === true });
      process.stderr.write(`${format === "pdf" ? "PDF" : "Markdown"} report of ${report.caseId} written to ${o.out} (${bytes.length} bytes)\n`);
    });
}
