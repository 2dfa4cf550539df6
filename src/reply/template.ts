/**
 * A tiny, logic-less template renderer for the editable reply templates (a strict subset of
 * Mustache). Templates are data, never code: the only operations are looking a dotted name up in
 * the view, repeating or skipping a block, and including another template by name.
 *
 *   {{name}} {{a.b}}        the value (a string, number or boolean); {{.}} is the current item
 *   {{#name}}...{{/name}}   a block: repeated for each item of a list (the item becomes the
 *                           context), rendered once for any other truthy value, skipped when the
 *                           value is null, false, "" or an empty list
 *   {{^name}}...{{/name}}   the opposite: rendered only when `name` is null, false, "" or empty
 *   {{> partial}}           another template, by name
 *   {{! comment }}          nothing
 *
 * Strict on purpose: a name the view does not define is an error naming the template and line, so
 * a typo in an edited template fails loudly instead of silently dropping a sentence from a reply
 * to AWS. Nothing is escaped (the output is a plain-text e-mail).
 *
 * A line holding only a block tag, a comment or a partial (and spaces) disappears entirely, so
 * templates can be laid out one tag per line without leaving blank lines behind.
 */

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly template: string,
    readonly line: number,
  ) {
    super(`template ${template}, line ${line}: ${message}`);
    this.name = "TemplateError";
  }
}

type Node =
  | { t: "text"; text: string }
  | { t: "var"; name: string; line: number }
  | { t: "section"; name: string; inverted: boolean; children: Node[]; line: number }
  | { t: "partial"; name: string; line: number };

export interface CompiledTemplate {
  name: string;
  nodes: Node[];
}

const NAME = /^(?:\.|[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*)$/;
const PARTIAL_NAME = /^[a-z0-9][a-z0-9_-]*$/;
/** Deepest nesting of partials: a template including itself stops here instead of looping. */
const MAX_PARTIAL_DEPTH = 8;
/** Largest rendered output; a list repeated inside a list cannot grow without bound. */
const MAX_OUTPUT = 1_000_000;

/** Parses a template; throws TemplateError on unbalanced blocks or malformed tags. */
export function compile(name: string, source: string): CompiledTemplate {
  const text = stripStandaloneLines(source.replace(/\r\n?/g, "\n"));
  const root: Node[] = [];
  const stack: { node: Extract<Node, { t: "section" }> }[] = [];
  const current = () => (stack.length > 0 ? stack[stack.length - 1]!.node.children : root);
  let pos = 0;
  const lineAt = (i: number) => text.slice(0, i).split("\n").length;
  while (pos < text.length) {
    const open = text.indexOf("{{", pos);
    if (open < 0) {
      current().push({ t: "text", text: text.slice(pos) });
      break;
    }
    if (open > pos) current().push({ t: "text", text: text.slice(pos, open) });
    const close = text.indexOf("}}", open + 2);
    const line = lineAt(open);
    if (close < 0) throw new TemplateError("a tag opened with {{ is never closed with }}", name, line);
    const raw = text.slice(open + 2, close);
    pos = close + 2;
    const sigil = raw[0];
    const body = (sigil === "#" || sigil === "^" || sigil === "/" || sigil === ">" || sigil === "!" ? raw.slice(1) : raw).trim();
    if (sigil === "!") continue;
    if (sigil === ">") {
      if (!PARTIAL_NAME.test(body)) throw new TemplateError(`"${body}" is not a template name (lower-case letters, digits, - and _)`, name, line);
      current().push({ t: "partial", name: body, line });
      continue;
    }
    if (!NAME.test(body)) throw new TemplateError(`"${raw}" is not a tag this renderer knows ({{name}}, {{#name}}, {{^name}}, {{/name}}, {{> name}}, {{! comment}})`, name, line);
    if (sigil === "#" || sigil === "^") {
      const node: Extract<Node, { t: "section" }> = { t: "section", name: body, inverted: sigil === "^", children: [], line };
      current().push(node);
      stack.push({ node });
    } else if (sigil === "/") {
      const top = stack.pop();
      if (!top) throw new TemplateError(`{{/${body}}} closes a block that was never opened`, name, line);
      if (top.node.name !== body) throw new TemplateError(`{{/${body}}} closes {{${top.node.inverted ? "^" : "#"}${top.node.name}}} (line ${top.node.line})`, name, line);
    } else {
      current().push({ t: "var", name: body, line });
    }
  }
  const open = stack.pop();
  if (open) throw new TemplateError(`{{${open.node.inverted ? "^" : "#"}${open.node.name}}} is never closed`, name, open.node.line);
  return { name, nodes: root };
}

/**
 * Removes lines that hold nothing but block, comment or partial tags (Mustache's "standalone"
 * rule): the tags stay, the line's indentation and line break go. Whether a line is standalone is
 * decided on the line as written, so a blank line after a tag line stays a blank line.
 */
function stripStandaloneLines(text: string): string {
  const lines = text.split("\n");
  let out = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const last = i === lines.length - 1;
    if (/^[ \t]*(?:\{\{[#^/!>][^}]*\}\}[ \t]*)+$/.test(line)) out += line.trim().replace(/\}\}[ \t]+\{\{/g, "}}{{");
    else out += last ? line : line + "\n";
  }
  return out;
}

export type Lookup = (name: string) => CompiledTemplate | undefined;

/**
 * Renders a compiled template against a view. `partials` finds other templates by name. Throws
 * TemplateError for a name the view does not define, a value that is not printable, or a partial
 * that does not exist.
 */
export function render(template: CompiledTemplate, view: unknown, partials: Lookup = () => undefined): string {
  const out: string[] = [];
  let size = 0;
  const emit = (s: string) => {
    size += s.length;
    if (size > MAX_OUTPUT) throw new TemplateError(`output is larger than ${MAX_OUTPUT} characters`, template.name, 0);
    out.push(s);
  };
  const walk = (tpl: string, nodes: Node[], stack: unknown[], depth: number) => {
    for (const node of nodes) {
      if (node.t === "text") {
        emit(node.text);
      } else if (node.t === "var") {
        const value = resolve(node.name, stack, tpl, node.line);
        if (value === null || value === false) continue;
        if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") emit(String(value));
        else throw new TemplateError(`{{${node.name}}} is a ${Array.isArray(value) ? "list" : "group"}: use {{#${node.name}}}...{{/${node.name}}}`, tpl, node.line);
      } else if (node.t === "partial") {
        if (depth >= MAX_PARTIAL_DEPTH) throw new TemplateError(`partials nest deeper than ${MAX_PARTIAL_DEPTH} (does {{> ${node.name}}} include itself?)`, tpl, node.line);
        const partial = partials(node.name);
        if (!partial) throw new TemplateError(`no template named "${node.name}"`, tpl, node.line);
        walk(partial.name, partial.nodes, stack, depth + 1);
      } else {
        const value = resolve(node.name, stack, tpl, node.line);
        const empty = value === null || value === false || value === "" || (Array.isArray(value) && value.length === 0);
        if (node.inverted) {
          if (empty) walk(tpl, node.children, stack, depth);
        } else if (!empty) {
          if (Array.isArray(value)) for (const item of value) walk(tpl, node.children, [...stack, item], depth);
          else walk(tpl, node.children, typeof value === "object" ? [...stack, value] : stack, depth);
        }
      }
    }
  };
  walk(template.name, template.nodes, [view], 0);
  return out.join("");
}

function resolve(name: string, stack: unknown[], tpl: string, line: number): unknown {
  if (name === ".") return stack[stack.length - 1];
  const [head, ...rest] = name.split(".");
  let value: unknown = undefined;
  let found = false;
  for (let i = stack.length - 1; i >= 0; i--) {
    const ctx = stack[i];
    if (ctx !== null && typeof ctx === "object" && !Array.isArray(ctx) && Object.hasOwn(ctx, head!)) {
      value = (ctx as Record<string, unknown>)[head!];
      found = true;
      break;
    }
  }
  if (!found) throw new TemplateError(`{{${name}}}: "${head}" is not defined here`, tpl, line);
  for (const key of rest) {
    if (value === null) return null;
    if (typeof value !== "object" || Array.isArray(value) || !Object.hasOwn(value as object, key)) {
      throw new TemplateError(`{{${name}}}: "${key}" is not defined here`, tpl, line);
    }
    value = (value as Record<string, unknown>)[key];
  }
  if (value === undefined) throw new TemplateError(`{{${name}}} has no value`, tpl, line);
  return value;
}
