/**
 * `doctor` for `--account aws`: the credentials and who they are, the regions enabled, every
 * action of the read-only and containment policies (docs/iam) simulated for the principal that
 * will make the calls (iam:SimulatePrincipalPolicy), Organizations access when accounts are
 * discovered, and the assume-role chain into each configured account. The SDK is called directly
 * with few retries: a doctor says what is wrong now, it does not wait it out.
 */
import { DescribeRegionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient, SimulatePrincipalPolicyCommand, type EvaluationResult } from "@aws-sdk/client-iam";
import { ListAccountsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import type { AwsAccountEntry, AwsPortOptions } from "../cloud/aws/options.ts";
import { DEFAULTS, endpointFor } from "../cloud/aws/options.ts";
import { principalOf, simulationRequests, type PolicyName } from "./iam.ts";
import { check, type Check } from "./types.ts";

const errName = (err: unknown) => (err as { name?: string })?.name ?? "Error";
const errText = (err: unknown) => `${errName(err)}: ${((err as Error)?.message ?? String(err)).split("\n")[0]}`;
const DENIED = /AccessDenied|UnauthorizedOperation|AuthorizationError|Forbidden/;

type Credentials = AwsPortOptions["credentials"];

function clientConfig(o: AwsPortOptions, service: "sts" | "ec2" | "iam" | "organizations", region: string, credentials: Credentials) {
  const endpoint = endpointFor(o, service);
  return { region, maxAttempts: 2, ...(credentials ? { credentials } : {}), ...(endpoint ? { endpoint } : {}) };
}

/** The allowed / denied actions of one policy for one principal, one simulation call per statement. */
async function simulate(iam: IAMClient, principal: string, name: PolicyName, accountId: string, partition: string): Promise<{ denied: string[]; checked: number }> {
  const denied: string[] = [];
  let checked = 0;
  for (const req of simulationRequests(name, accountId, partition)) {
    let marker: string | undefined;
    const results: EvaluationResult[] = [];
    do {
      const r = await iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: principal,
          ActionNames: req.actions,
          ...(req.resources.length ? { ResourceArns: req.resources } : {}),
          ...(req.context.length ? { ContextEntries: req.context } : {}),
          ...(marker ? { Marker: marker } : {}),
        }),
      );
      results.push(...(r.EvaluationResults ?? []));
      marker = r.IsTruncated ? r.Marker : undefined;
    } while (marker);
    for (const action of req.actions) {
      checked++;
      const mine = results.filter((e) => e.EvalActionName?.toLowerCase() === action.toLowerCase());
      if (mine.length === 0 || mine.some((e) => e.EvalDecision !== "allowed")) denied.push(action);
    }
  }
  return { denied, checked };
}

export async function awsChecks(o: AwsPortOptions, env: Record<string, string | undefined>): Promise<Check[]> {
  const out: Check[] = [];
  const region = o.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? DEFAULTS.fallbackRegion;
  const base: Credentials = o.credentials ?? fromNodeProviderChain(o.profile ? { profile: o.profile } : {});
  const profileFlag = o.profile ? ` --profile ${o.profile}` : "";

  // Who the credentials are.
  const sts = new STSClient(clientConfig(o, "sts", region, base));
  let me: { account: string; arn: string; partition: string };
  try {
    const id = await sts.send(new GetCallerIdentityCommand({}));
    me = { account: id.Account!, arn: id.Arn!, partition: id.Arn!.split(":")[1] ?? "aws" };
    out.push(check("aws.identity", "ok", `credentials work: ${me.arn} (account ${me.account}, home region ${region})`));
  } catch (err) {
    out.push(
      check("aws.identity", "fail", `no usable AWS credentials (${errText(err)})`, `configure them: aws configure${profileFlag}, or aws sso login${profileFlag}; then run abuse-desk doctor --account aws${profileFlag} again`),
    );
    return out;
  }

  // The regions enabled (said once for the account, not once per region).
  try {
    const r = await new EC2Client(clientConfig(o, "ec2", region, base)).send(new DescribeRegionsCommand({}));
    const names = (r.Regions ?? []).map((x) => x.RegionName!).sort();
    const wanted = o.regions ?? [];
    const missing = wanted.filter((w) => !names.includes(w));
    if (missing.length) out.push(check("aws.regions", "warn", `${names.length} regions enabled; configured but not enabled: ${missing.join(", ")}`, "enable them in the account settings, or remove them from aws.regions"));
    else out.push(check("aws.regions", "ok", `${names.length} regions enabled${wanted.length ? ` (searching ${wanted.length} configured)` : ""}`));
  } catch (err) {
    out.push(check("aws.regions", "fail", `cannot list the enabled regions (${errText(err)})`, "allow ec2:DescribeRegions (docs/iam/read-only-policy.json)"));
  }

  // Every action of the desk's policies, simulated for the principal making the calls.
  const principal = principalOf(me.arn);
  const iam = new IAMClient(clientConfig(o, "iam", region, base));
  for (const name of ["read-only", "containment"] as const) {
    const id = `aws.iam.${name}`;
    if (!principal) {
      out.push(check(id, "warn", `${me.arn} is not a user or role the IAM simulator can check`, "run doctor as the IAM user or role the desk runs as"));
      continue;
    }
    try {
      const { denied, checked } = await simulate(iam, principal, name, me.account, me.partition);
      if (denied.length === 0) out.push(check(id, "ok", `all ${checked} actions of docs/iam/${name}-policy.json are allowed for ${principal}`));
      else
        out.push(
          check(
            id,
            name === "read-only" ? "fail" : "warn",
            `${denied.length} of ${checked} actions of docs/iam/${name}-policy.json are not allowed for ${principal}: ${denied.join(", ")}${name === "containment" ? " (apply and rollback would be refused)" : " (searches would be incomplete)"}`,
            `attach docs/iam/${name}-policy.json to ${principal.split("/").pop()}: aws iam put-role-policy --role-name ${principal.split("/").pop()} --policy-name abuse-desk-${name} --policy-document file://docs/iam/${name}-policy.json${profileFlag}`,
          ),
        );
    } catch (err) {
      if (DENIED.test(errName(err))) out.push(check(id, "warn", `cannot simulate the permissions of ${principal}: iam:SimulatePrincipalPolicy is not allowed`, `allow iam:SimulatePrincipalPolicy on ${principal} for the person running doctor, to find a missing permission now rather than during an incident`));
      else out.push(check(id, "fail", `the IAM simulator failed (${errText(err)})`, "check the network and the IAM endpoint, then run doctor again"));
    }
  }

  // Organizations, when accounts are discovered.
  if (o.discoverAccounts) {
    try {
      const r = await new OrganizationsClient(clientConfig(o, "organizations", region, base)).send(new ListAccountsCommand({}));
      out.push(check("aws.organizations", "ok", `Organizations lists ${(r.Accounts ?? []).length}${r.NextToken ? "+" : ""} accounts`));
    } catch (err) {
      out.push(check("aws.organizations", "fail", `Organizations cannot be read (${errText(err)})`, "run from the management or a delegated administrator account with organizations:ListAccounts, or list the accounts in aws.accounts and set aws.discoverAccounts: false"));
    }
  }

  // The assume-role chain into each configured account.
  const entries: AwsAccountEntry[] = (o.accounts ?? []).map((a) => (typeof a === "string" ? { id: a } : a)).filter((a) => a.id !== me.account && !(o.excludeAccounts ?? []).includes(a.id));
  const ar = o.assumeRole ?? {};
  for (const entry of entries) {
    const id = `aws.account.${entry.id}`;
    if (entry.profile) {
      try {
        const who = await new STSClient(clientConfig(o, "sts", region, fromNodeProviderChain({ profile: entry.profile }))).send(new GetCallerIdentityCommand({}));
        out.push(who.Account === entry.id ? check(id, "ok", `reached through profile ${entry.profile}: ${who.Arn}`) : check(id, "fail", `profile ${entry.profile} is account ${who.Account}, not ${entry.id}`, `fix the profile of ${entry.id} in aws.accounts`));
      } catch (err) {
        out.push(check(id, "fail", `profile ${entry.profile} does not work (${errText(err)})`, `aws configure --profile ${entry.profile}`));
      }
      continue;
    }
    const roles = [...new Set([entry.roleArn ?? (ar.roleName ? `arn:${me.partition}:iam::${entry.id}:role/${ar.roleName.replace(/^\/+/, "")}` : null), ar.containmentRoleName ? `arn:${me.partition}:iam::${entry.id}:role/${ar.containmentRoleName.replace(/^\/+/, "")}` : null])].filter((r): r is string => !!r);
    if (!roles.length) {
      out.push(check(id, "fail", `no way into account ${entry.id}: no role and no profile for it`, `set aws.assumeRole.roleName (a role in each account that trusts ${me.arn}), or a profile for ${entry.id} in aws.accounts`));
      continue;
    }
    for (const roleArn of roles) {
      try {
        await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "abuse-desk-doctor", DurationSeconds: 900, ...(ar.externalId ? { ExternalId: ar.externalId } : {}) }));
        out.push(check(`${id}.${roleArn.split("/").pop()}`, "ok", `assumed ${roleArn}`));
      } catch (err) {
        out.push(check(`${id}.${roleArn.split("/").pop()}`, "fail", `cannot assume ${roleArn} (${errText(err)})`, `create the role in ${entry.id} trusting ${principal ?? me.arn} (deploy the roles stack set), and allow sts:AssumeRole on it${ar.externalId ? " with the configured external id" : ""}`));
      }
    }
  }
  return out;
}
