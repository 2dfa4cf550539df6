/**
 * Runs the real CLI in-process (`main()` with every command registered, errors reported as the
 * binary reports them) and captures what it prints.
 */
import { vi } from "vitest";
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
