/**
 * Runs the real CLI in-process (`main()` with every command registered, errors reported as the
 * binary reports them) and captures what it prints.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, vi } from "vitest";
import { main } from "../../src/cli/main.ts";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(...args: string[]): Promise<CliRun> {
  let out = "";
  let err = "";
  const text = (s: string | Uint8Array) => (typeof s === "string" ? s : Buffer.from(s).toString());
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += text(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += text(s)), true));
  process.exitCode = undefined;
  try {
    const code = await main(["node", "abuse-desk", ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

/**
 * A fresh data directory for each test of the file (ABUSE_DESK_HOME), with the variables that
 * would point the CLI elsewhere cleared and the environment restored afterwards.
 */
export function tempHome(prefix: string): { readonly dir: string } {
  let dir = "";
  const saved = { ...process.env };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    process.env.ABUSE_DESK_HOME = dir;
    delete process.env.DATABASE_URL;
    delete process.env.ABUSE_DESK_POLICY;
    delete process.env.ABUSE_DESK_ACCOUNT;
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
  };
}
