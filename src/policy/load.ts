import { readFile } from "node:fs/promises";
import { UserError } from "../errors.ts";
import { defaultPolicy, parsePolicy, type Policy } from "./policy.ts";

/** Reads a policy file; without a path, the defaults (docs/containment.md). */
export async function loadPolicy(path: string | undefined): Promise<Policy> {
  if (path === undefined) return defaultPolicy();
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read the policy (${code === "ENOENT" ? "no such file" : (code ?? String(err))})`, { exitCode: 66, cause: err });
  }
  return parsePolicy(text, path);
}
