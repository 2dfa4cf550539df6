/**
 * Imports flow one way between the plan vocabulary and the stages around it: the playbooks and
 * the policy write plans in the plan folder's vocabulary, the executor carries them out, and the
 * plan folder imports none of them (it was the shared vocabulary living in execute/ that tied
 * playbook, policy and execute into cycles). Every import in src/, static or dynamic, type-only or
 * not, is read here and checked against the table.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");

/**
 * The allowed direction, as the folders each one must never import (`plan <- playbook` means
 * playbook may import plan, never the reverse):
 *
 *   plan     <- playbook, policy, execute, (desk, cli, reply, case, ...)
 *   policy   <- playbook                  (policy imports plan only)
 *   playbook <- desk, cli                 (never execute: planning does not run anything)
 *   execute  <- desk, cli                 (never playbook or policy: it runs what a plan says)
 */
const FORBIDDEN: Record<string, readonly string[]> = {
  plan: ["playbook", "policy", "execute", "desk", "cli", "case", "drill", "reply", "report", "notify", "resolve", "triage"],
  policy: ["playbook", "execute", "desk", "cli", "case"],
  playbook: ["execute", "desk", "cli", "case"],
  execute: ["playbook", "policy", "desk", "cli", "case"],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** Every relative module a file imports: `import ... from`, `export ... from`, `import("...")`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm)) out.push(resolve(dirname(file), m[1]!));
  return out;
}

const folderOf = (path: string) => relative(SRC, path).split("/")[0]!;

function violations(): string[] {
  const out: string[] = [];
  for (const file of files(SRC)) {
    const from = folderOf(file);
    const banned = FORBIDDEN[from];
    if (!banned) continue;
    for (const target of importsOf(file)) {
      const to = folderOf(target);
      if (banned.includes(to)) out.push(`${relative(SRC, file)} imports ${relative(SRC, target)} (${from} must not import ${to})`);
    }
  }
  return out;
}

describe("import direction", () => {
  it("plan imports none of playbook, policy, execute; policy no playbook; playbook and execute not each other", () => {
    expect(violations()).toEqual([]);
  });

  it("the check sees imports of every form (static, re-export, dynamic, type-only)", () => {
    // Proves the reader on the files themselves: the executor does import the plan folder.
    const apply = importsOf(join(SRC, "execute/apply.ts")).map((p) => relative(SRC, p));
    expect(apply).toContain("plan/actions/index.ts");
    expect(importsOf(join(SRC, "execute/index.ts")).map((p) => relative(SRC, p))).toContain("plan/actions/index.ts");
    expect(importsOf(join(SRC, "desk/index.ts")).map((p) => relative(SRC, p))).toContain("execute/index.ts");
    expect(importsOf(join(SRC, "plan/types.ts")).map((p) => relative(SRC, p))).toContain("cloud/model.ts");
  });
});
