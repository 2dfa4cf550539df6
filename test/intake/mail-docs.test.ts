/** docs/service-mail.md documents every key of `intake.imap` and `intake.smtp`: a key added to a schema without its line fails here. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { z } from "zod";
import { ImapSourceSchema } from "../../src/intake/imap.ts";
import { SmtpSourceSchema } from "../../src/intake/smtp.ts";

const doc = readFileSync(join(import.meta.dirname, "../../docs/service-mail.md"), "utf8");

/** Every key path of an object schema: `processed`, `processed.action`... (nested objects only). */
function keys(schema: z.ZodType, prefix = ""): string[] {
  let s = schema as unknown as { def: { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType } };
  while (s.def.type === "optional" || s.def.type === "default") s = s.def.innerType as unknown as typeof s;
  if (s.def.type !== "object") return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(s.def.shape!)) {
    const path = prefix ? `${prefix}.${k}` : k;
    const nested = keys(v, path);
    out.push(...(nested.length ? nested : [path]));
  }
  return out;
}

describe("docs/service-mail.md", () => {
  test.each([
    ["imap", ImapSourceSchema],
    ["smtp", SmtpSourceSchema],
  ] as const)("documents every intake.%s key", (_kind, schema) => {
    const ks = keys(schema);
    expect(ks.length).toBeGreaterThan(8);
    for (const k of ks) expect(doc, `docs/service-mail.md lacks \`${k}\``).toContain(`\`${k}\``);
  });
});
