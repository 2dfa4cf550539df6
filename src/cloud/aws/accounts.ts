/**
 * STS, Organizations and DescribeRegions: who the caller is, which accounts it works in, how it
 * gets into each (the caller's own account directly; others through a role, a profile, or an exact
 * role ARN), and which regions each account has enabled.
 */
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { paginateListAccounts } from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { CloudError } from "../errors.ts";
import type { AccountInfo } from "../model.ts";
import type { AccountEntry, OrganizationAccount } from "../port-access.ts";
import { allPages, CALLER, GLOBAL, type AwsSession, type Purpose, type Reach } from "./session.ts";
import { DEFAULTS, type AwsAccountEntry, type AwsPortOptions, type CredentialProvider } from "./options.ts";

export interface Caller {
  accountId: string;
  arn: string;
  /** `aws`, `aws-cn`, `aws-us-gov`: role ARNs are built in the caller's partition. */
  partition: string;
}

type Credentials = Awaited<ReturnType<CredentialProvider>>;

/** Refresh temporary credentials five minutes before they expire (the SDK's own margin). */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** Caches a credentials fetch until shortly before expiry; a failed fetch is retried next time. */
function memoizeCredentials(fetch: () => Promise<Credentials>): CredentialProvider {
  let current: Promise<Credentials> | undefined;
  return async () => {
    const pending = current;
    if (pending) {
      try {
        const c = await pending;
        if (!c.expiration || c.expiration.getTime() - Date.now() > REFRESH_MARGIN_MS) return c;
      } catch {
        // fall through: fetch again
      }
      if (current !== pending) return current!; // someone else already refreshed
    }
    current = fetch();
    return current;
  };
}

const ACCOUNT_ID = /^\d{12}$/;

export class AccountDirectory implements Reach {
  private callerPromise: Promise<Caller> | undefined;
  private accountsPromise: Promise<AccountInfo[]> | undefined;
  private readonly regionPromises = new Map<string, Promise<string[]>>();
  private readonly regionsKnown = new Map<string, string[]>();
  private readonly providers = new Map<string, CredentialProvider>();
  private readonly entries: Map<string, AwsAccountEntry>;
  private readonly excluded: Set<string>;
  /** Accounts `enter` got into for reads: readable through the port even when not configured. */
  private readonly enteredForReads = new Set<string>();

  constructor(
    private readonly session: AwsSession,
    private readonly options: AwsPortOptions,
  ) {
    this.entries = new Map();
    for (const a of options.accounts ?? []) {
      const entry = typeof a === "string" ? { id: a } : a;
      if (!ACCOUNT_ID.test(entry.id)) throw new CloudError("unknown-account", `"${entry.id}" is not an AWS account id (12 digits)`, { accountId: entry.id });
      this.entries.set(entry.id, entry);
    }
    this.excluded = new Set(options.excludeAccounts ?? []);
  }

  /** GetCallerIdentity, once. It needs no IAM permission, so it doubles as the credentials check. */
  caller(): Promise<Caller> {
    this.callerPromise ??= (async () => {
      const home = await this.session.homeRegion();
      const out = await this.session.run("sts.GetCallerIdentity", { accountId: CALLER, region: home, base: true }, (sts) =>
        sts.send(new GetCallerIdentityCommand({})),
      );
      const arn = out.Arn ?? "";
      if (!out.Account || !ACCOUNT_ID.test(out.Account)) {
        throw new CloudError("invalid", `GetCallerIdentity answered without an account id (${out.Account ?? "none"}): is the STS endpoint an AWS API?`, { action: "GetCallerIdentity" });
      }
      return { accountId: out.Account, arn, partition: arn.split(":")[1] || "aws" };
    })();
    this.callerPromise.catch(() => (this.callerPromise = undefined));
    return this.callerPromise;
  }

  /**
   * The accounts to work in: listed in configuration, discovered through Organizations (active only),
   * or else the caller's own. Excluded accounts are left out whatever lists them.
   */
  accounts(): Promise<AccountInfo[]> {
    this.accountsPromise ??= (async () => {
      const found = new Map<string, AccountInfo>();
      for (const e of this.entries.values()) found.set(e.id, { accountId: e.id, ...(e.name ? { name: e.name } : {}), origin: "config" });
      if (this.options.discoverAccounts) {
        for (const a of await this.organizationAccounts()) if (!found.has(a.accountId)) found.set(a.accountId, a);
      }
      if (found.size === 0) {
        const me = await this.caller();
        found.set(me.accountId, { accountId: me.accountId, origin: "caller" });
      }
      return [...found.values()].filter((a) => !this.excluded.has(a.accountId));
    })();
    this.accountsPromise.catch(() => (this.accountsPromise = undefined));
    return this.accountsPromise;
  }

  /**
   * Every account of the organization with its state (ListAccounts from the caller's account: the
   * management or a delegated administrator account), or null when the caller is in no organization.
   */
  async listOrganization(): Promise<OrganizationAccount[] | null> {
    const me = await this.caller();
    let pages;
    try {
      pages = await this.session.run("organizations.ListAccounts", { accountId: me.accountId, region: GLOBAL, base: true }, (org) => allPages(paginateListAccounts, org, {}));
    } catch (err) {
      if (err instanceof CloudError && err.code === "AWSOrganizationsNotInUseException") return null;
      if (err instanceof CloudError && err.kind === "access-denied") {
        throw new CloudError(
          "access-denied",
          `${err.message} ListAccounts answers only in the organization's management account or a delegated administrator account: ` +
            `run from there (or assume a role there), or list the accounts in aws.accounts.`,
          { action: "organizations:ListAccounts", accountId: me.accountId, ...(err.code ? { code: err.code } : {}), cause: err },
        );
      }
      throw err;
    }
    const out: OrganizationAccount[] = [];
    for (const page of pages) {
      for (const a of page.Accounts ?? []) {
        if (!a.Id) continue;
        // `State` replaces `Status` (retired in 2026); either says whether the account is usable.
        out.push({ accountId: a.Id, ...(a.Name ? { name: a.Name } : {}), state: String(a.State ?? a.Status ?? "UNKNOWN") });
      }
    }
    return out;
  }

  /**
   * The organization's accounts as the port reports them: an account excluded in configuration
   * (aws.excludeAccounts) is left out, as it is everywhere else, so no check reads or judges it.
   */
  async organization(): Promise<OrganizationAccount[] | null> {
    const listed = await this.listOrganization();
    return listed === null ? null : listed.filter((a) => !this.excluded.has(a.accountId));
  }

  private async organizationAccounts(): Promise<AccountInfo[]> {
    const listed = await this.listOrganization();
    if (listed === null) {
      const me = await this.caller();
      throw new CloudError("invalid", `Account ${me.accountId} is not in an AWS Organization: turn off aws.organizations, or list the accounts in aws.accounts.`, {
        accountId: me.accountId,
        action: "ListAccounts",
        code: "AWSOrganizationsNotInUseException",
      });
    }
    return listed.filter((a) => a.state === "ACTIVE").map((a) => ({ accountId: a.accountId, ...(a.name ? { name: a.name } : {}), origin: "organizations" as const }));
  }

  /** Throws unknown-account unless the account is one this port works in. */
  async check(accountId: string): Promise<void> {
    const list = await this.accounts();
    if (list.some((a) => a.accountId === accountId)) return;
    const known = list.map((a) => a.accountId).join(", ");
    throw new CloudError(
      "unknown-account",
      `Account ${accountId} is not one abuse-desk works in (${known || "none"}). Add it to aws.accounts in the configuration` +
        `${this.options.discoverAccounts ? "" : ", or turn on aws.organizations to discover the organization's accounts"}.`,
      { accountId },
    );
  }

  /**
   * Enabled regions (DescribeRegions returns those opted in or not requiring opt-in), narrowed to
   * aws.regions when configured. Read once per account.
   */
  regions(accountId: string): Promise<string[]> {
    let p = this.regionPromises.get(accountId);
    if (!p) {
      p = (async () => {
        await this.check(accountId);
        const home = await this.session.homeRegion();
        const out = await this.session.run("ec2.DescribeRegions", { accountId, region: home }, (ec2) =>
          ec2.send(new DescribeRegionsCommand({ AllRegions: false })),
        );
        const enabled = (out.Regions ?? [])
          .filter((r) => r.RegionName && r.OptInStatus !== "not-opted-in")
          .map((r) => r.RegionName!)
          .sort();
        this.regionsKnown.set(accountId, enabled);
        const wanted = this.options.regions;
        if (!wanted?.length) return enabled;
        const disabled = wanted.filter((r) => !enabled.includes(r));
        if (disabled.length === wanted.length) {
          throw new CloudError(
            "region-disabled",
            `None of the configured regions (${wanted.join(", ")}) is enabled for account ${accountId}; enabled: ${enabled.join(", ")}.`,
            { accountId, region: wanted[0] },
          );
        }
        return wanted.filter((r) => enabled.includes(r));
      })();
      this.regionPromises.set(accountId, p);
      p.catch(() => this.regionPromises.delete(accountId));
    }
    return p;
  }

  knownRegions(accountId: string): readonly string[] | undefined {
    return this.regionsKnown.get(accountId);
  }

  /**
   * How to get into an account for reads or writes. The caller's own account is used directly unless a
   * separate containment role is configured for writes; an account with its own profile or role ARN
   * uses that; any other assumes the configured role name in it.
   */
  async credentials(accountId: string, purpose: Purpose): Promise<{ key: string; provider: CredentialProvider }> {
    // An account of the organization readiness entered for reads (enter) may be read (GetRole) though not configured.
    if (!(purpose === "read" && this.enteredForReads.has(accountId))) await this.check(accountId);
    const way = await this.way(accountId, purpose);
    if (way.via === "profile") return this.provider(`profile:${way.profile}`, () => fromNodeProviderChain({ profile: way.profile }));
    if (way.via === "caller") return { key: "base", provider: this.session.baseCredentials };
    const { roleArn, me } = way;
    return this.provider(`role:${roleArn}`, () => this.assumeRoleProvider(accountId, roleArn, me));
  }

  /** The way into an account for one side, from the configuration (nothing is called but GetCallerIdentity). */
  private async way(accountId: string, purpose: Purpose): Promise<{ via: "profile"; profile: string } | { via: "caller" } | { via: "role"; roleArn: string; me: Caller }> {
    const entry = this.entries.get(accountId);
    const ar = this.options.assumeRole ?? {};
    if (entry?.profile) return { via: "profile", profile: entry.profile };
    const me = await this.caller();
    const roleName = purpose === "write" ? (ar.containmentRoleName ?? ar.roleName) : ar.roleName;
    let roleArn = entry?.roleArn;
    if (!roleArn) {
      if (accountId === me.accountId && !(purpose === "write" && ar.containmentRoleName)) return { via: "caller" };
      if (!roleName) {
        throw new CloudError(
          "unknown-account",
          `No way into account ${accountId}: the credentials are for ${me.accountId}. Set aws.assumeRole.roleName ` +
            `(a role in each account that trusts ${me.arn}), or a profile for the account in aws.accounts.`,
          { accountId },
        );
      }
      roleArn = `arn:${me.partition}:iam::${accountId}:role/${roleName.replace(/^\/+/, "")}`;
    }
    return { via: "role", roleArn, me };
  }

  /**
   * Enters an account for one side as the configuration says, whether or not the port works in it
   * (readiness asks this of every account of the organization). AssumeRole's AccessDenied is an
   * answer (entered: false); any other failure is thrown.
   */
  async enter(accountId: string, purpose: Purpose): Promise<AccountEntry> {
    if (!ACCOUNT_ID.test(accountId)) throw new CloudError("unknown-account", `"${accountId}" is not an AWS account id (12 digits)`, { accountId });
    const way = await this.way(accountId, purpose);
    const base = { accountId, side: purpose };
    if (way.via === "caller") return { ...base, via: "caller", entered: true };
    if (way.via === "profile") {
      const key = `profile:${way.profile}`;
      await this.provider(key, () => fromNodeProviderChain({ profile: way.profile }));
      return { ...base, via: "profile", entered: true };
    }
    const role = { roleArn: way.roleArn, roleName: way.roleArn.slice(way.roleArn.lastIndexOf("/") + 1) };
    try {
      await this.provider(`role:${way.roleArn}`, () => this.assumeRoleProvider(accountId, way.roleArn, way.me));
      if (purpose === "read") this.enteredForReads.add(accountId);
      return { ...base, via: "role", ...role, entered: true };
    } catch (err) {
      if (err instanceof CloudError && err.kind === "access-denied") return { ...base, via: "role", ...role, entered: false, refusal: err.message };
      throw err;
    }
  }

  private async provider(key: string, make: () => CredentialProvider): Promise<{ key: string; provider: CredentialProvider }> {
    let provider = this.providers.get(key);
    if (!provider) {
      provider = make();
      this.providers.set(key, provider);
    }
    // Fetch now rather than inside the first request: an AssumeRole refusal is reported as such,
    // and every call after this one finds the credentials ready.
    await provider();
    return { key, provider };
  }

  private assumeRoleProvider(accountId: string, roleArn: string, me: Caller): CredentialProvider {
    const ar = this.options.assumeRole ?? {};
    return memoizeCredentials(async () => {
      const home = await this.session.homeRegion();
      try {
        const out = await this.session.run("sts.AssumeRole", { accountId: me.accountId, region: home, base: true }, (sts) =>
          sts.send(
            new AssumeRoleCommand({
              RoleArn: roleArn,
              RoleSessionName: ar.sessionName ?? DEFAULTS.sessionName,
              DurationSeconds: ar.durationSeconds ?? DEFAULTS.durationSeconds,
              ...(ar.externalId ? { ExternalId: ar.externalId } : {}),
            }),
          ),
        );
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
        return {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
          ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {}),
          accountId,
        };
      } catch (err) {
        if (err instanceof CloudError && err.kind === "access-denied") {
          throw new CloudError(
            "access-denied",
            `Cannot assume ${roleArn} (sts:AssumeRole refused): the role's trust policy must allow ${me.arn}` +
              `${ar.externalId ? " with the configured external id" : ""}, and ${me.arn} must be allowed sts:AssumeRole on it. See docs/aws.md.`,
            { action: "sts:AssumeRole", accountId, code: err.code, cause: err },
          );
        }
        throw err;
      }
    });
  }
}
