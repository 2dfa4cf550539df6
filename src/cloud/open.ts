/**
 * Opening a cloud port from what a person typed: `--account sim` (the bundled sample estate),
 * `--account sim:PATH` (an estate file) or `--account aws` (the AWS adapter, with the standard
 * credential chain, `--profile` and `--region`). The AWS SDK is imported only for `aws`, so the
 * simulator never loads it.
 */
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.ts";
import type { CloudPort } from "./port.ts";

export const SAMPLE_ESTATE = fileURLToPath(new URL("../../fixtures/estates/sample.yaml", import.meta.url));

export interface OpenCloudOptions {
  /** AWS profile (`aws` only). */
  profile?: string;
  /** AWS home region (`aws` only). */
  region?: string;
  /** Anything else the AWS adapter takes (accounts, assume-role, endpoints), from configuration. */
  aws?: Record<string, unknown>;
}

const USAGE = "give --account sim (the bundled simulated estate), sim:PATH (an estate file) or aws";

export async function openCloud(spec: string | undefined, opts: OpenCloudOptions = {}): Promise<CloudPort> {
  const s = (spec ?? process.env.ABUSE_DESK_ACCOUNT ?? "").trim();
  if (!s) throw new UserError("no cloud account to search", { exitCode: 64, hint: USAGE });
  if (s === "sim" || s.startsWith("sim:")) {
    const path = s === "sim" ? SAMPLE_ESTATE : s.slice(4);
    if (!path) throw new UserError(`--account ${s}: the estate file is missing after sim:`, { exitCode: 64, hint: USAGE });
    const { loadEstateFile, SimAccount } = await import("./sim/index.ts");
    const { state } = loadEstateFile(path);
    return new SimAccount(state, { label: s === "sim" ? "sim (bundled sample estate)" : s });
  }
  if (s === "aws") {
    let mod: { createAwsPort(options: Record<string, unknown>): CloudPort };
    try {
      mod = (await import("./aws/index.ts")) as unknown as typeof mod;
    } catch (err) {
      throw new UserError("the AWS adapter is not available in this build", { exitCode: 69, hint: "use --account sim or sim:PATH", cause: err });
    }
    return mod.createAwsPort({ ...opts.aws, ...(opts.profile ? { profile: opts.profile } : {}), ...(opts.region ? { region: opts.region } : {}) });
  }
  throw new UserError(`--account ${s}: not an account specification`, { exitCode: 64, hint: USAGE });
}
