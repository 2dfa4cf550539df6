/** docs/commands.md is the CLI's own help; regenerate with `npx tsx scripts/gen-command-docs.ts`. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commandDocs } from "../../scripts/gen-command-docs.ts";

describe("docs/commands.md", () => {
  it("is what the commands' --help says (regenerate: npx tsx scripts/gen-command-docs.ts)", async () => {
    expect(readFileSync(join(import.meta.dirname, "../../docs/commands.md"), "utf8")).toBe(await commandDocs());
  });
});
