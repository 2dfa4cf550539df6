/**
 * HTML mail as the text a reader sees: paragraphs and line breaks kept, table cells apart (two
 * spaces, which the table reader splits on), list items on their own lines, tags dropped, entities
 * decoded. One linear pass over tokens: no backtracking on hostile markup.
 */
import { decodeEntities } from "./links.ts";

const TOKEN = /<!--[\s\S]*?(?:-->|$)|<(\/?)([a-zA-Z][\w:-]{0,30})(?:\s[^>]*)?\/?>|<![^>]*>|<\?[^>]*>|[^<]+|</g;
const BLOCK = new Set(["p", "div", "table", "tbody", "thead", "tfoot", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "address", "section", "article", "header", "footer", "center", "hr", "dt", "dd", "form", "fieldset"]);
const SKIP = new Set(["style", "script", "head", "title", "noscript", "template", "xml"]);

export function htmlToText(html: string): string {
  const out: string[] = [];
  let skipUntil: string | null = null;
  let pre = 0;
  const h = html.length > 8 * 1024 * 1024 ? html.slice(0, 8 * 1024 * 1024) : html;
  for (const m of h.matchAll(TOKEN)) {
    const tok = m[0];
    const name = m[2]?.toLowerCase();
    if (skipUntil) {
      if (name === skipUntil && m[1] === "/") skipUntil = null;
      continue;
    }
    if (tok.startsWith("<!--") || tok.startsWith("<!") || tok.startsWith("<?")) continue;
    if (name) {
      const closing = m[1] === "/";
      if (!closing && SKIP.has(name) && !tok.endsWith("/>")) {
        skipUntil = name;
        continue;
      }
      if (name === "br") out.push("\n");
      else if (name === "tr" || name === "li" || name === "dt") out.push(closing ? "\n" : name === "li" ? "\n* " : "\n");
      else if (name === "td" || name === "th") out.push(closing ? "  " : "");
      else if (BLOCK.has(name)) {
        out.push("\n\n");
        if (name === "pre") pre += closing ? -1 : 1;
      }
      continue;
    }
    if (tok === "<") {
      out.push("<");
      continue;
    }
    const text = decodeEntities(tok);
    out.push(pre > 0 ? text : text.replace(/[ \t\r\n\f]+/g, " "));
  }
  return out
    .join("")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n[ \t]+/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
