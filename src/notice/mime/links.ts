/** Links a reader sees: every URL in the text, and every HTML anchor with the text shown for it. */
import { URL_RE, cleanUrl } from "../extract/urls.ts";

const ANCHOR = /<a\b[^>]{0,2000}?\bhref\s*=\s*(?:"([^"]{0,4096})"|'([^']{0,4096})'|([^\s>]{1,4096}))[^>]{0,2000}>([\s\S]{0,2000}?)<\/a\s*>/gi;

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (whole, e: string) => {
    if (e[0] === "#") {
      const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[e.toLowerCase()] ?? whole;
  });
}

export function htmlLinks(html: string): { href: string; text: string | null; part: "html" }[] {
  const out: { href: string; text: string | null; part: "html" }[] = [];
  const h = html.length > 4 * 1024 * 1024 ? html.slice(0, 4 * 1024 * 1024) : html;
  for (const m of h.matchAll(ANCHOR)) {
    const href = decodeEntities((m[1] ?? m[2] ?? m[3] ?? "").trim());
    const text = decodeEntities(m[4]!.replace(/<[^>]{0,500}>/g, "")).replace(/\s+/g, " ").trim();
    out.push({ href, text: text || null, part: "html" });
    if (out.length >= 1000) break;
  }
  return out;
}

export function textLinks(text: string): { href: string; text: null; part: "text" }[] {
  const out: { href: string; text: null; part: "text" }[] = [];
  for (const m of text.matchAll(URL_RE)) {
    out.push({ href: cleanUrl(m[0]), text: null, part: "text" });
    if (out.length >= 1000) break;
  }
  return out;
}
