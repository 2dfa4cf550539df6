import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, render, TemplateError } from "../../src/reply/template.ts";
import { loadTemplates } from "../../src/reply/templates.ts";
import { ACTIVITY_FAMILIES } from "../../src/reply/types.ts";

const r = (src: string, view: unknown, partials: Record<string, string> = {}) =>
  render(compile("t", src), view, (n) => (partials[n] === undefined ? undefined : compile(n, partials[n]!)));

describe("template renderer", () => {
  it("substitutes dotted names and the current item", () => {
    expect(r("Case {{case.number}} for {{who}}", { case: { number: "123" }, who: "AWS" })).toBe("Case 123 for AWS");
    expect(r("{{#xs}}[{{.}}]{{/xs}}", { xs: ["a", "b"] })).toBe("[a][b]");
  });

  it("repeats blocks over lists, skips empty values, renders inverted blocks", () => {
    const view = { items: [{ n: 1 }, { n: 2 }], none: [], flag: false, empty: "", nul: null };
    expect(r("{{#items}}{{n}},{{/items}}", view)).toBe("1,2,");
    expect(r("{{#none}}x{{/none}}{{#flag}}x{{/flag}}{{#empty}}x{{/empty}}{{#nul}}x{{/nul}}", view)).toBe("");
    expect(r("{{^none}}a{{/none}}{{^flag}}b{{/flag}}{{^empty}}c{{/empty}}{{^nul}}d{{/nul}}{{^items}}e{{/items}}", view)).toBe("abcd");
  });

  it("looks names up the context stack", () => {
    expect(r("{{#a}}{{x}}-{{y}}{{/a}}", { a: { x: 1 }, y: 2 })).toBe("1-2");
  });

  it("drops lines that hold only block tags, keeps blank lines", () => {
    const src = "A\n{{#xs}}\n- {{.}}\n{{/xs}}\n\nB\n  {{! note }}  \nC\n";
    expect(r(src, { xs: ["1", "2"] })).toBe("A\n- 1\n- 2\n\nB\nC\n");
    expect(r(src, { xs: [] })).toBe("A\n\nB\nC\n");
  });

  it("includes partials, and refuses partials that include themselves forever", () => {
    expect(r("x{{> p}}y", { v: 1 }, { p: "<{{v}}>" })).toBe("x<1>y");
    expect(() => r("{{> loop}}", {}, { loop: "{{> loop}}" })).toThrow(/nest deeper/);
    expect(() => r("{{> missing}}", {})).toThrow(/no template named "missing"/);
  });

  it("fails loudly on an unknown name, naming template and line", () => {
    const e = (() => {
      try {
        r("line one\n{{case.nmber}}", { case: { number: "1" } });
      } catch (err) {
        return err as TemplateError;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(TemplateError);
    expect(e!.message).toBe('template t, line 2: {{case.nmber}}: "nmber" is not defined here');
  });

  it("rejects malformed templates when compiling", () => {
    expect(() => compile("t", "{{#a}}x")).toThrow(/never closed/);
    expect(() => compile("t", "{{#a}}x{{/b}}")).toThrow(/closes \{\{#a\}\}/);
    expect(() => compile("t", "x{{/a}}")).toThrow(/never opened/);
    expect(() => compile("t", "{{a")).toThrow(/never closed with/);
    expect(() => compile("t", "{{{raw}}}")).toThrow(/not a tag/);
    expect(() => compile("t", "{{> ../../etc/passwd}}")).toThrow(/not a template name/);
  });

  it("never evaluates code: expressions are names or errors", () => {
    expect(() => compile("t", "{{constructor.constructor('return 1')()}}")).toThrow(TemplateError);
    // A name that exists on every object's prototype is not a view key.
    expect(() => r("{{constructor}}", {})).toThrow(/not defined/);
    expect(() => r("{{a.toString}}", { a: {} })).toThrow(/not defined/);
  });

  it("refuses to print a list or group as text", () => {
    expect(() => r("{{xs}}", { xs: [1] })).toThrow(/is a list/);
  });
});

describe("template sets", () => {
  it("ships a message template for every activity family, and the legitimate one", () => {
    const set = loadTemplates();
    for (const f of [...ACTIVITY_FAMILIES, "legitimate"]) expect(set.message(f), f).toBeDefined();
    for (const p of ["header", "findings", "actions", "evidence", "extension", "signature", "status", "prevention-extra"]) expect(set.partial(p), p).toBeDefined();
  });

  it("lets a directory override single files and add new templates", () => {
    const dir = mkdtempSync(join(tmpdir(), "ad-tpl-"));
    mkdirSync(join(dir, "partials"));
    writeFileSync(join(dir, "partials", "signature.md"), "Cheers,\nthe night shift\n");
    writeFileSync(join(dir, "custom.md"), "Custom for {{case.number}}\n{{> signature}}");
    writeFileSync(join(dir, "ignored.txt"), "not a template");
    const set = loadTemplates([dir]);
    expect(set.origins["partials/signature"]).toBe(join(dir, "partials", "signature.md"));
    expect(set.origins["intrusion"]).toMatch(/templates\/reply\/intrusion\.md$/);
    const out = render(set.message("custom")!, { case: { number: "42" } }, (n) => set.partial(n));
    expect(out).toBe("Custom for 42\nCheers,\nthe night shift\n");
  });

  it("reports a broken override with its file", () => {
    const dir = mkdtempSync(join(tmpdir(), "ad-tpl-"));
    writeFileSync(join(dir, "intrusion.md"), "{{#actions}}never closed");
    expect(() => loadTemplates([dir])).toThrow(`template ${join(dir, "intrusion.md")}, line 1: {{#actions}} is never closed`);
  });
});
