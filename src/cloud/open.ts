/**
 * Opening a cloud port from what a person typed: `--account sim` (the bundled sample estate),
 * `--account sim:PATH` (an estate file) or `--account aws` (the AWS adapter, with the standard
 * credential chain, `--profile` and `--region`, and the `aws:` section of the configuration). The
 * AWS SDK is imported only for `aws`, so the simulator never loads it.
 *
 * A simulated account keeps its state in the data directory between commands (sim/persist.ts), so
 * `apply` then `rollback` act on one account; `abuse-desk sim reset` starts it again.
 */
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.ts";
import { dataHome } from "../home.ts";
import type { CloudPort } from "./port.ts";
import type { AwsPortOptions } from "./aws/options.ts";

export const SAMPLE_ESTATE = fileURLToPath(new URL("../../fixtures/estates/sample.yaml", import.meta.url));

export interface OpenCloudOptions {
  /**
   * The AWS adapter's options (`aws` only), resolved by the edge from the flags, the environment
   * and the configuration's `aws:` section (src/config/aws.ts, loadAwsOptions); asked for only when
   * the account is `aws`, so a simulated account never reads them. Default: none (the SDK's own
   * defaults: its credential chain, AWS_PROFILE, AWS_REGION).
   */
  aws?: () => AwsPortOptions | Promise<AwsPortOptions>;
  /** The data directory a simulated account's state is kept in (default: src/home.ts). */
  home?: string;
}

/** `sim` -> the bundled estate's path; `sim:PATH` -> PATH; anything else -> null. */
export function simEstatePath(spec: string): string | null {
  if (spec === "sim") return SAMPLE_ESTATE;
  if (!spec.startsWith("sim:")) return null;
  const path = spec.slice(4);
  if (!path) throw new UserError(`--account ${spec}: the estate file is missing after sim:`, { exitCode: 64, hint: USAGE });
  return path;
}

const USAGE = "give --account sim (the bundled simulated estate), sim:PATH (an estate file) or aws";

/**
 * The port for `spec` (`sim`, `sim:PATH`, `aws`), as given: the edge resolves `--account`, the
 * configuration and $ABUSE_DESK_ACCOUNT first (src/config/account.ts); nothing here reads the
 * environment.
 */
export async function openCloud(spec: string, opts: OpenCloudOptions = {}): Promise<CloudPort> {
  const s = spec.trim();
  if (!s) throw new UserError("no cloud account to search", { exitCode: 64, hint: USAGE });
  const estate = simEstatePath(s);
  if (estate) {
    const { SimAccount } = await import("./sim/index.ts");
    const label = s === "sim" ? "sim (bundled sample estate)" : s;
    const { openPersistentSim } = await import("./sim/persist.ts");
    const p = openPersistentSim(estate, dataHome(opts.home));
    return new SimAccount(p.state, { label, shared: p });
  }
  if (s === "aws") {
    let mod: { createAwsPort(options: AwsPortOptions): CloudPort };
    try {
      mod = (await import("./aws/index.ts")) as unknown as typeof mod;
    } catch (err) {
      throw new UserError("the AWS adapter is not available in this build", { exitCode: 69, hint: "use --account sim or sim:PATH", cause: err });
    }
    return mod.createAwsPort((await opts.aws?.()) ?? {});
  }
  throw new UserError(`--account ${s}: not an account specification`, { exitCode: 64, hint: USAGE });
}
