/**
 * Reading back what the report renderer wrote, without a PDF library: the structure (header,
 * cross-reference table pointing at every object, trailer, page count) and the text of every
 * text-showing operator. Works on uncompressed PDFs with the standard (WinAnsi) fonts, which is what
 * the tests render.
 */
export interface PdfInfo {
  version: string;
  pages: number;
  objects: number;
}

export function checkPdf(buf: Buffer): PdfInfo {
  const s = buf.toString("latin1");
  const version = /^%PDF-(\d\.\d)\n/.exec(s)?.[1];
  if (!version) throw new Error("no %PDF- header");
  if (!/%%EOF\s*$/.test(s)) throw new Error("no %%EOF at the end");
  const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(s);
  if (!startxref) throw new Error("no startxref");
  const xrefAt = Number(startxref[1]);
  if (s.slice(xrefAt, xrefAt + 4) !== "xref") throw new Error(`startxref ${xrefAt} does not point at the xref table`);
  const head = /^xref\n0 (\d+)\n/.exec(s.slice(xrefAt));
  if (!head) throw new Error("malformed xref header");
  const count = Number(head[1]);
  const table = s.slice(xrefAt + head[0].length).split("\n").slice(0, count);
  for (let i = 1; i < count; i++) {
    const m = /^(\d{10}) (\d{5}) n $/.exec(table[i]!);
    if (!m) throw new Error(`xref entry ${i} malformed: ${JSON.stringify(table[i])}`);
    const off = Number(m[1]);
    if (!s.startsWith(`${i} 0 obj`, off)) throw new Error(`xref entry ${i} points at ${JSON.stringify(s.slice(off, off + 12))}`);
  }
  const trailer = /trailer\s*<<([\s\S]*?)>>/.exec(s.slice(xrefAt));
  if (!trailer || !/\/Root \d+ 0 R/.test(trailer[1]!) || !new RegExp(`/Size ${count}\\b`).test(trailer[1]!)) throw new Error("trailer lacks /Root or the right /Size");
  const pages = /\/Type \/Pages\s*\/Count (\d+)/.exec(s);
  if (!pages) throw new Error("no page tree");
  return { version, pages: Number(pages[1]), objects: count - 1 };
}

/** The text of every TJ operator, one line each, in the order drawn. */
export function pdfText(buf: Buffer): string[] {
  const s = buf.toString("latin1");
  const lines: string[] = [];
  for (const m of s.matchAll(/\[((?:<[0-9a-fA-F]*>|\s|-?\d+(?:\.\d+)?)*)\]\s*TJ/g)) {
    const hex = [...m[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1]!, "hex").toString("latin1")).join("");
    lines.push(hex);
  }
  return lines;
}
