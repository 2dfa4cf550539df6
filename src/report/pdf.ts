/**
 * The case report as a PDF (pdfkit): A4, headings, a facts list, tables that wrap their cells and
 * repeat their header on a new page, SHA-256 digests in a monospace font on a line of their own,
 * the reply as sent, and "Page X of Y" on every page. Only the PDF standard fonts are used, so the
 * file embeds nothing and opens anywhere; characters those fonts cannot show become "?".
 */
import { fmtTime } from "../reply/format.ts";
import { safeText } from "../safe-text.ts";
import { actionGroups, type Report } from "./model.ts";

type Doc = PDFKit.PDFDocument;

const MARGIN = 50;
const FOOTER = 28;
const GREY = "#555555";
const RULE = "#cccccc";
const HEAD_BG = "#eeeeee";

/** Windows-1252 (WinAnsi), what the standard fonts encode: everything else is replaced. */
const CP1252_EXTRA = new Set([..."€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"]);
export function pdfSafe(s: string): string {
  let out = "";
  // Control characters and bidi overrides first become visible stand-ins (src/safe-text.ts), as in every other output.
  for (const ch of safeText(s.replace(/\t/g, "    "))) {
    const cp = ch.codePointAt(0)!;
    out += ch === "\n" || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || CP1252_EXTRA.has(ch) ? ch : "?";
  }
  return out;
}

/** Failed resources listed per gap, and characters of any text the estate wrote (the store keeps 300). */
const GAP_RESOURCES = 10;
const GAP_SCOPE = { resource: "its resources", region: "its region", account: "its account" } as const;
const clipped = (s: string, max = 300) => (s.length > max ? `${s.slice(0, max - 3)}...` : s);

interface Column {
  header: string;
  /** Share of the table's width. */
  weight: number;
  mono?: boolean;
}

export async function renderPdf(r: Report, opts: { compress?: boolean; createdAt?: Date } = {}): Promise<Buffer> {
  const { default: PDFDocument } = await import("pdfkit");
  const doc: Doc = new PDFDocument({
    size: "A4",
    margins: { top: MARGIN, bottom: MARGIN + FOOTER, left: MARGIN, right: MARGIN },
    bufferPages: true,
    compress: opts.compress ?? true,
    info: { Title: pdfSafe(r.title), Subject: pdfSafe(r.subtitle), Author: "abuse-desk", Creator: "abuse-desk", Producer: "abuse-desk (pdfkit)", CreationDate: opts.createdAt ?? new Date() },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  const left = MARGIN;
  const width = doc.page.width - 2 * MARGIN;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  const ensure = (h: number) => {
    if (doc.y + h > bottom()) doc.addPage();
  };
  const para = (text: string, o: { font?: string; size?: number; color?: string; gap?: number } = {}) => {
    doc.font(o.font ?? "Helvetica").fontSize(o.size ?? 9.5).fillColor(o.color ?? "black");
    const t = pdfSafe(text);
    ensure(Math.min(doc.heightOfString(t, { width }), 40));
    doc.text(t, left, doc.y, { width });
    doc.moveDown(o.gap ?? 0.3);
  };
  const heading = (text: string) => {
    // Room for the heading, a table header and a first row: a heading never ends a page alone.
    ensure(100);
    doc.moveDown(0.6);
    doc.font("Helvetica-Bold").fontSize(13).fillColor("black").text(pdfSafe(text), left, doc.y, { width });
    const y = doc.y + 2;
    doc.moveTo(left, y).lineTo(left + width, y).lineWidth(0.6).strokeColor(RULE).stroke();
    doc.y = y + 6;
  };

  /** Rows of cells; `sub` is a full-width monospace line under the row (a digest). */
  const table = (cols: Column[], rows: { cells: string[]; sub?: string }[]) => {
    if (rows.length === 0) {
      para("None.", { color: GREY });
      return;
    }
    const total = cols.reduce((s, c) => s + c.weight, 0);
    const widths = cols.map((c) => (c.weight / total) * width);
    const pad = 3;
    const size = 8.5;
    const fontOf = (i: number, bold: boolean) => (bold ? "Helvetica-Bold" : cols[i]!.mono ? "Courier" : "Helvetica");
    const cellHeight = (text: string, i: number, bold = false) => {
      doc.font(fontOf(i, bold)).fontSize(size);
      return doc.heightOfString(pdfSafe(text) || " ", { width: widths[i]! - 2 * pad });
    };
    const drawRow = (cells: string[], bold: boolean, bg?: string) => {
      const h = Math.max(...cells.map((t, i) => cellHeight(t, i, bold))) + 2 * pad;
      const y = doc.y;
      if (bg) doc.rect(left, y, width, h).fill(bg);
      let x = left;
      cells.forEach((t, i) => {
        doc.font(fontOf(i, bold)).fontSize(size).fillColor("black");
        doc.text(pdfSafe(t) || " ", x + pad, y + pad, { width: widths[i]! - 2 * pad });
        x += widths[i]!;
      });
      doc.y = y + h;
      return h;
    };
    const header = () => drawRow(cols.map((c) => c.header), true, HEAD_BG);
    const subHeight = (s: string) => {
      doc.font("Courier").fontSize(7.5);
      return doc.heightOfString(pdfSafe(s), { width: width - 2 * pad }) + pad;
    };
    ensure(60);
    header();
    for (const row of rows) {
      const h = Math.max(...row.cells.map((t, i) => cellHeight(t, i))) + 2 * pad + (row.sub ? subHeight(row.sub) : 0);
      if (doc.y + h > bottom()) {
        doc.addPage();
        header();
      }
      drawRow(row.cells, false);
      if (row.sub) {
        doc.font("Courier").fontSize(7.5).fillColor(GREY).text(pdfSafe(row.sub), left + pad, doc.y, { width: width - 2 * pad });
        doc.y += pad;
      }
      doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(0.3).strokeColor(RULE).stroke();
    }
    doc.moveDown(0.4);
  };

  // --- title ---------------------------------------------------------------------------------
  doc.font("Helvetica-Bold").fontSize(20).fillColor("black").text(pdfSafe(r.title), left, MARGIN, { width });
  doc.moveDown(0.2);
  para(r.subtitle, { size: 11, color: GREY, gap: 0.1 });
  para(`Generated ${r.generatedAt} by abuse-desk`, { size: 8.5, color: GREY });

  heading("Facts");
  const labelW = 90;
  for (const f of r.facts) {
    doc.font("Helvetica").fontSize(9.5);
    const v = pdfSafe(f.value);
    const h = doc.heightOfString(v, { width: width - labelW });
    ensure(h);
    const y = doc.y;
    doc.font("Helvetica-Bold").fillColor(GREY).text(pdfSafe(f.label), left, y, { width: labelW - 8 });
    doc.font("Helvetica").fillColor("black").text(v, left + labelW, y, { width: width - labelW });
    doc.y = y + Math.max(h, 11) + 2;
  }

  heading(`Verdict: ${r.verdict?.level ?? "not verified"}`);
  if (r.verdict && r.verdict.reasons.length) table([{ header: "Weight", weight: 1 }, { header: "Check", weight: 2.2, mono: true }, { header: "Reason", weight: 7 }], r.verdict.reasons.map((x) => ({ cells: [x.severity, x.code, x.message] })));
  else para("No reasons recorded.", { color: GREY });

  heading("Notices");
  table(
    [{ header: "Received", weight: 2.2 }, { header: "Kind", weight: 2 }, { header: "AWS case", weight: 2 }, { header: "Verdict", weight: 1.6 }, { header: "Subject", weight: 5 }],
    r.notices.map((n) => ({ cells: [n.receivedAt, n.kind, n.caseNumber, n.verdict, n.subject], sub: `SHA-256 ${n.sha256}` })),
  );
  if (r.awsMitigations.length) para(`What AWS says it already did: ${r.awsMitigations.join("; ")}`, { size: 9 });

  heading("Resources");
  table(
    [{ header: "Resource", weight: 3.2, mono: true }, { header: "Type", weight: 2 }, { header: "Account/region", weight: 2.6 }, { header: "Status", weight: 1.4 }, { header: "Owner", weight: 1.8 }, { header: "Summary", weight: 4 }],
    r.resources.map((x) => ({ cells: [x.id, x.type, x.where, x.status, x.owner, x.summary] })),
  );

  if (r.notSearched.length) {
    para("Not searched (these could not be read, so nothing there is known to be absent):", { font: "Helvetica-Bold", size: 9.5, gap: 0.1 });
    for (const l of r.notSearched) para(`- ${l}`, { size: 9 });
  }

  heading("Actions");
  para("Every step of every plan, with what the containment journal records for it (times in UTC).", { size: 8.5, color: GREY });
  if (r.plans.length === 0 && r.actions.length === 0) para("No plan yet.", { color: GREY });
  for (const p of actionGroups(r)) {
    ensure(90);
    para(`Plan ${p.id}${p.playbook ? ` (${p.playbook}, ${p.createdAt})` : ""}`, { font: "Helvetica-Bold", size: 9.5, gap: 0.1 });
    if (p.summary) para(p.summary, { size: 9 });
    for (const x of p.refused) para(`Not touched: ${x}`, { size: 9 });
    table(
      [{ header: "Time (UTC)", weight: 2.5 }, { header: "Step", weight: 0.8 }, { header: "Action", weight: 8 }, { header: "Outcome", weight: 3 }],
      // The step's number is enough here: the action names its target in full.
      p.actions.map((a) => ({ cells: [a.at.replace(/ UTC$/, ""), /^(\d+)-/.exec(a.step)?.[1] ?? a.step, a.text, a.outcome] })),
    );
  }
  for (const o of r.overrides) para(`Applied despite the verdict: ${o.at}, plan ${o.plan} by ${o.actor}${o.reason ? `: ${o.reason}` : ""}`, { size: 9 });

  if (r.checklist) {
    heading("Root checklist");
    para(`What only the root user can do (${r.checklist.filter((i) => i.state === "open").length} of ${r.checklist.length} open).`, { size: 8.5, color: GREY });
    table(
      [{ header: "Item", weight: 7 }, { header: "State", weight: 1.2 }, { header: "By", weight: 1.8 }, { header: "When (UTC)", weight: 2.6 }],
      r.checklist.map((i) => ({ cells: [i.text, i.state, i.by ?? "", i.at ?? ""] })),
    );
  }
  if (r.investigation) {
    const i = r.investigation;
    heading(`Investigation${i.status === "partial" ? " (partial: something was not searched)" : ""}`);
    para(`Investigation ${i.investigationId}, finished ${i.at}.`, { size: 8.5, color: GREY });
    for (const v of i.verdicts) {
      para(`Activity ${v.result}: ${v.sentence}`, { font: "Helvetica-Bold", size: 9.5, gap: 0.1 });
      if (v.query) para(`Query: ${v.query.length > 2000 ? `${v.query.slice(0, 2000)}...` : v.query}`, { font: "Courier", size: 7.5, color: GREY });
    }
    para(`Likely cause: ${i.likelyCause ?? "not established by the investigation"}`, { size: 9.5 });
    for (const f of i.fixed) para(f, { size: 9.5 });
    table(
      [{ header: "Severity", weight: 1.3 }, { header: "Finding", weight: 7 }, { header: "About", weight: 2.6 }, { header: "When", weight: 2 }],
      i.findings.map((f) => ({ cells: [f.severity, f.summary, f.subject, f.at ?? ""], ...(f.sources.length ? { sub: `Sources: ${f.sources.join(", ")}` } : {}) })),
    );
    if (i.notSearched.length) {
      para("Not searched (nothing there is known to be absent):", { font: "Helvetica-Bold", size: 9.5, gap: 0.1 });
      for (const l of i.notSearched) para(`- ${l}`, { size: 9 });
    }
  }

  if (r.gaps) {
    const g = r.gaps;
    heading("Gaps that let this happen");
    para(
      g.runs.length
        ? `The failing readiness checks that concern this case's resources, regions and accounts, from the latest readiness run of each (${g.runs.map((x) => `${x.accountId}: run ${x.runId}, ${fmtTime(x.generatedAt)}`).join("; ")}).`
        : g.noRun.length
          ? "No readiness run was kept for the accounts of this case: run \"abuse-desk readiness\" to know the gaps."
          : "This case names no account and none of its resources was found, so no readiness gap can be linked to it.",
      { size: 8.5, color: GREY },
    );
    if (g.noRun.length && g.runs.length) para(`No readiness run was kept for ${g.noRun.join(", ")}.`, { size: 9 });
    if (g.runs.length) {
      if (g.gaps.length === 0) para("No failing check concerns this case.", { color: GREY });
      else
        table(
          [{ header: "Severity", weight: 1.3 }, { header: "Check", weight: 5 }, { header: "Concerns", weight: 7 }],
          g.gaps.map((x) => {
            // A cell never outgrows a page: the first resources, and how many more (all of them on the readiness page).
            const shown = x.resources.slice(0, GAP_RESOURCES).map((f) => `${clipped(f.id)} ${clipped(f.detail)}`);
            const more = x.resources.length - shown.length;
            return {
              cells: [x.severity, `${clipped(x.title)} (${clipped(x.checkId)})`, `${GAP_SCOPE[x.scope]}: ${shown.join("; ")}${more > 0 ? `; and ${more} more` : ""}`],
              ...(x.remediation ? { sub: `Fix (console): ${clipped(x.remediation.console, 600)}\nFix (CLI): ${clipped(x.remediation.cli, 600)}` } : {}),
            };
          }),
        );
      if (g.notChecked.length) {
        para("Not checked (these could not run where this case is, so nothing there is known to be fine):", { font: "Helvetica-Bold", size: 9.5, gap: 0.1 });
        for (const n of g.notChecked) para(`- ${clipped(n.checkId)} in ${clipped(n.accountId)}: ${n.notRun.map((w) => clipped(`${w.region ? `${w.region}: ` : ""}${w.reason}`)).join("; ")}`, { size: 9 });
      }
    }
  }

  heading("Evidence");
  table(
    [{ header: "Artefact", weight: 4 }, { header: "Size", weight: 1.2 }, { header: "Source", weight: 4 }, { header: "Collected", weight: 2.2 }, { header: "Kept", weight: 2 }],
    r.evidence.map((e) => ({ cells: [e.label, e.size, e.source, e.collectedAt, e.where], sub: `SHA-256 ${e.sha256}` })),
  );

  heading("Timeline");
  table(
    [{ header: "Time (UTC)", weight: 2.6 }, { header: "Event", weight: 2 }, { header: "Summary", weight: 7 }, { header: "By", weight: 1.5 }],
    r.timeline.map((t) => ({ cells: [t.at.replace(/ UTC$/, ""), t.type, t.summary, t.actor] })),
  );

  heading("Reply to AWS");
  if (r.reply) {
    const rp = r.reply;
    const when = fmtTime(rp.at);
    para(rp.status === "sent" ? `Sent ${when}${rp.via ? ` by ${rp.via}` : ""}${rp.to ? ` to ${rp.to}` : ""}.` : `Drafted ${when}, not sent.`, { size: 9, color: GREY });
    para(`Subject: ${rp.subject}`, { font: "Helvetica-Bold", size: 9.5 });
    for (const line of rp.text.replace(/\n$/, "").split("\n")) para(line === "" ? " " : line, { font: "Courier", size: 8.5, gap: 0 });
  } else para("No reply drafted yet.", { color: GREY });

  // --- page numbers, written last when the page count is known ---------------------------------
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const savedBottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing inside the bottom margin must not start a new page
    const y = doc.page.height - MARGIN - 10;
    doc.moveTo(left, y - 4).lineTo(left + width, y - 4).lineWidth(0.3).strokeColor(RULE).stroke();
    doc.font("Helvetica").fontSize(8).fillColor(GREY);
    doc.text(pdfSafe(`abuse-desk · ${r.caseId}`), left, y, { width: width / 2, lineBreak: false });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, left + width / 2, y, { width: width / 2, align: "right", lineBreak: false });
    doc.page.margins.bottom = savedBottom;
  }
  doc.end();
  return finished;
}
