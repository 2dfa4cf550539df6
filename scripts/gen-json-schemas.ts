/**
 * Writes docs/schemas/<command>.json (JSON Schema, draft 2020-12) from the zod schemas of every
 * command's --json output (src/cli/json/outputs.ts) and docs/schemas/vocabulary.json from the shared
 * shapes, so the published schemas can't drift from the code (test/cli/json-schemas.test.ts fails
 * when they are stale). `npx tsx scripts/gen-json-schemas.ts`.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { OUTPUTS, VOCABULARY } from "../src/cli/json/outputs.ts";

export const SCHEMA_DIR = join(import.meta.dirname, "../docs/schemas");

/** File name -> its text, for every schema published. */
export function jsonSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  const text = (v: unknown) => JSON.stringify(v, null, 2) + "\n";
  for (const [name, schema] of Object.entries(OUTPUTS)) {
    files.set(`${name}.json`, text({ $id: `abuse-desk/${name}.json`, ...z.toJSONSchema(schema, { target: "draft-2020-12", io: "output", unrepresentable: "any" }) }));
  }
  const defs = Object.fromEntries(Object.entries(VOCABULARY).map(([k, s]) => [k, z.toJSONSchema(s, { target: "draft-2020-12", io: "output", unrepresentable: "any" })]));
  files.set("vocabulary.json", text({ $id: "abuse-desk/vocabulary.json", description: "The shapes every --json output shares (src/cli/json/vocabulary.ts)", $defs: defs }));
  return files;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  mkdirSync(SCHEMA_DIR, { recursive: true });
  const files = jsonSchemas();
  for (const f of readdirSync(SCHEMA_DIR)) if (f.endsWith(".json") && !files.has(f)) rmSync(join(SCHEMA_DIR, f));
  for (const [name, text] of files) writeFileSync(join(SCHEMA_DIR, name), text);
  console.log(`wrote ${files.size} schemas to ${SCHEMA_DIR}`);
}
