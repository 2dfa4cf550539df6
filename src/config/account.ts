/**
 * Which account a command acts on, read at the edge (the CLI commands, `serve`'s entry, the web
 * desk's deps, `doctor`) and given to the stages as a spec (`sim`, `sim:PATH`, `aws`) or an opened
 * port; src/cloud/open.ts reads no environment.
 *
 * Precedence (README "Configuration", docs/service.md, docs/web.md): the `--account` flag, then the
 * configuration's own key where the command has one (`intake.account` for serve, `web.account` for
 * the web desk), then `$ABUSE_DESK_ACCOUNT`; none: no account. For `aws`, the adapter's options
 * come from the flags over the environment over the `aws:` section (src/config/aws.ts).
 */
import type { CloudPort } from "../cloud/port.ts";
import type { AwsFlags } from "./aws.ts";
import type { Env } from "./file.ts";

export const ACCOUNT_ENV = "ABUSE_DESK_ACCOUNT";

/** The account spec: the flag, else the configuration's key, else $ABUSE_DESK_ACCOUNT (an empty value is none), else null. */
export function accountSpec(o: { flag?: string | null | undefined; configured?: string | null | undefined }, env: Env): string | null {
  if (o.flag !== undefined && o.flag !== null) return o.flag;
  if (o.configured !== undefined && o.configured !== null) return o.configured;
  return env[ACCOUNT_ENV] || null;
}

export interface OpenAccountOptions {
  /** `--profile` and `--region`: over the environment and the `aws:` section (`aws` only). */
  profile?: string | undefined;
  region?: string | undefined;
  /** The data directory a simulated account's state is kept in. */
  home?: string;
}

/**
 * Opens the account a person's command names: `--account` (`flag`), else $ABUSE_DESK_ACCOUNT; with
 * neither, the usage error openCloud gives. `aws` gets the adapter's options from `--profile`,
 * `--region`, the environment and the configuration file, read here (and only for `aws`).
 */
export async function openAccount(flag: string | undefined, o: OpenAccountOptions = {}, env: Env = process.env): Promise<CloudPort> {
  const { openCloud } = await import("../cloud/open.ts");
  const flags: AwsFlags = { ...(o.profile ? { profile: o.profile } : {}), ...(o.region ? { region: o.region } : {}) };
  return openCloud(accountSpec({ flag }, env) ?? "", {
    ...(o.home !== undefined ? { home: o.home } : {}),
    aws: async () => (await import("./aws.ts")).loadAwsOptions(flags, env),
  });
}
