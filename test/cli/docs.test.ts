/**
 * docs/commands.md is the CLI's own help, bin/command-tree.json the CLI's own command tree (what
 * the fast help is printed from); regenerate both with `npx tsx scripts/gen-command-docs.ts`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commandDocs, commandTreeJson } from "../../scripts/gen-command-docs.ts";

describe("docs/commands.md", () => {
  it("is what the commands' --help says (regenerate: npx tsx scripts/gen-command-docs.ts)", async () => {
    expect(readFileSync(join(import.meta.dirname, "../../docs/commands.md"), "utf8")).toBe(await commandDocs());
  });
});

describe("bin/command-tree.json", () => {
  it("is the commands' tree, read from the sources as they are (regenerate: npx tsx scripts/gen-command-docs.ts)", async () => {
    expect(readFileSync(join(import.meta.dirname, "../../bin/command-tree.json"), "utf8")).toBe(await commandTreeJson());
  });
});
