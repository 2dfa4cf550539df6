/**
 * `doctor --account aws` against aws-sdk-client-mock stubs. The IAM simulator stub evaluates each
 * SimulatePrincipalPolicy request (action, resource, context entries) against the policies attached
 * to the principal with the tests' IAM evaluator (test/cloud/aws/iam-eval.ts): so "all allowed"
 * means the requests doctor builds from docs/iam really are granted by those documents, conditions
 * included, and a permission taken away is found and named.
 */
import { readFileSync } from "node:fs";
import { DescribeRegionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient, SimulatePrincipalPolicyCommand, type SimulatePrincipalPolicyCommandInput } from "@aws-sdk/client-iam";
import { ListAccountsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { awsChecks } from "../../src/doctor/aws.ts";
import { POLICY_FILES } from "../../src/doctor/iam.ts";
import { evaluate, type PolicyDocument } from "../cloud/aws/iam-eval.ts";

for (const k of Object.keys(process.env)) if (k.startsWith("AWS_ENDPOINT_URL") || k === "AWS_PROFILE") delete process.env[k];

const ME = "111122223333";
const OTHER = "444455556666";
const ROLE = `arn:aws:iam::${ME}:role/AbuseDesk`;
const readOnly = JSON.parse(readFileSync(POLICY_FILES["read-only"], "utf8")) as PolicyDocument;
const containment = JSON.parse(readFileSync(POLICY_FILES.containment, "utf8")) as PolicyDocument;
const allActions = (p: PolicyDocument) => p.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

const sts = mockClient(STSClient);
const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);
const orgs = mockClient(OrganizationsClient);
afterAll(() => [sts, ec2, iam, orgs].forEach((m) => m.restore()));

let attached: PolicyDocument[] = [];
const simulated: SimulatePrincipalPolicyCommandInput[] = [];

beforeEach(() => {
  for (const m of [sts, ec2, iam, orgs]) m.reset();
  simulated.length = 0;
  attached = [readOnly, containment];
  sts.on(GetCallerIdentityCommand).resolves({ Account: ME, Arn: `arn:aws:sts::${ME}:assumed-role/AbuseDesk/ops-session`, UserId: "AROAEXAMPLE:ops" });
  sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + 900_000) } });
  ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: "eu-west-1" }, { RegionName: "us-east-1" }] });
  orgs.on(ListAccountsCommand).resolves({ Accounts: [{ Id: ME }, { Id: OTHER }] });
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: SimulatePrincipalPolicyCommandInput) => {
    simulated.push(input);
    expect(input.PolicySourceArn).toBe(ROLE);
    const resources = input.ResourceArns?.length ? input.ResourceArns : ["*"];
    const context: Record<string, string | string[]> = {};
    for (const c of input.ContextEntries ?? []) context[c.ContextKeyName!] = c.ContextKeyType === "stringList" ? c.ContextKeyValues! : c.ContextKeyValues![0]!;
    return {
      EvaluationResults: input.ActionNames!.map((action) => {
        const decisions = resources.map((resource) => {
          const ds = attached.map((p) => evaluate(p, { action, resource, context }));
          return ds.includes("explicit-deny") ? "explicitDeny" : ds.includes("allowed") ? "allowed" : "implicitDeny";
        });
        return { EvalActionName: action, EvalDecision: decisions.find((d) => d !== "allowed") ?? "allowed" };
      }),
      IsTruncated: false,
    };
  });
});

const statusOf = (checks: { id: string; status: string }[]) => Object.fromEntries(checks.map((c) => [c.id, c.status]));
const OPTS = { region: "eu-west-1", credentials: async () => ({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "x" }) };

describe("doctor --account aws", () => {
  it("all ok when the role has both policies: every action of docs/iam simulated for the role behind the session", async () => {
    const checks = await awsChecks({ ...OPTS, discoverAccounts: true, accounts: [OTHER], assumeRole: { roleName: "AbuseDeskReadOnly", containmentRoleName: "AbuseDeskContainment" } }, {});
    expect(statusOf(checks)).toEqual({
      "aws.identity": "ok",
      "aws.regions": "ok",
      "aws.iam.read-only": "ok",
      "aws.iam.containment": "ok",
      "aws.organizations": "ok",
      [`aws.account.${OTHER}.AbuseDeskReadOnly`]: "ok",
      [`aws.account.${OTHER}.AbuseDeskContainment`]: "ok",
    });
    const asked = new Set(simulated.flatMap((s) => s.ActionNames!));
    for (const a of [...allActions(readOnly), ...allActions(containment)]) expect(asked.has(a), a).toBe(true);
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).toEqual([`arn:aws:iam::${OTHER}:role/AbuseDeskReadOnly`, `arn:aws:iam::${OTHER}:role/AbuseDeskContainment`]);
  });

  it("a read-only permission taken away is a failure naming the action and how to attach the policy", async () => {
    attached = [{ ...readOnly, Statement: readOnly.Statement.map((s) => ({ ...s, Action: (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a) => a !== "ec2:DescribeNatGateways") })) }, containment];
    const checks = await awsChecks(OPTS, {});
    const c = checks.find((x) => x.id === "aws.iam.read-only")!;
    expect(c.status).toBe("fail");
    expect(c.detail).toContain("1 of");
    expect(c.detail).toContain("ec2:DescribeNatGateways");
    expect(c.fix).toContain("docs/iam/read-only-policy.json");
    expect(c.fix).toContain("--role-name AbuseDesk");
  });

  it("a containment condition not met is found (the simulated context must satisfy the policy's conditions)", async () => {
    // Without the tag-on-create grant, CreateTags is refused: doctor says so (a warning: searches still work).
    attached = [readOnly, { ...containment, Statement: containment.Statement.filter((s) => s.Sid !== "TagOnlyWhatContainmentCreates" && s.Sid !== "TagResourcesWithTheCaseOnly") }];
    const c = (await awsChecks(OPTS, {})).find((x) => x.id === "aws.iam.containment")!;
    expect(c.status).toBe("warn");
    expect(c.detail).toContain("ec2:CreateTags");
  });

  it("no credentials: one failure that says how to configure them, and nothing else is tried", async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }));
    const checks = await awsChecks({ ...OPTS, profile: "desk" }, {});
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ id: "aws.identity", status: "fail" });
    expect(checks[0]!.fix).toContain("aws sso login --profile desk");
    expect(iam.commandCalls(SimulatePrincipalPolicyCommand)).toHaveLength(0);
  });

  it("the simulator itself denied: a warning saying which permission lets doctor check", async () => {
    iam.on(SimulatePrincipalPolicyCommand).rejects(Object.assign(new Error("not authorized"), { name: "AccessDenied" }));
    const c = (await awsChecks(OPTS, {})).find((x) => x.id === "aws.iam.read-only")!;
    expect(c.status).toBe("warn");
    expect(c.fix).toContain("iam:SimulatePrincipalPolicy");
  });

  it("an account whose role cannot be assumed, Organizations refused, a configured region not enabled", async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error("not authorized to perform sts:AssumeRole"), { name: "AccessDenied" }));
    orgs.on(ListAccountsCommand).rejects(Object.assign(new Error("not in an organization"), { name: "AWSOrganizationsNotInUseException" }));
    const checks = await awsChecks({ ...OPTS, discoverAccounts: true, regions: ["eu-west-1", "ap-east-1"], accounts: [OTHER], assumeRole: { roleName: "AbuseDeskReadOnly" } }, {});
    const s = statusOf(checks);
    expect(s[`aws.account.${OTHER}.AbuseDeskReadOnly`]).toBe("fail");
    expect(s["aws.organizations"]).toBe("fail");
    expect(s["aws.regions"]).toBe("warn");
    expect(checks.find((c) => c.id === "aws.regions")!.detail).toContain("ap-east-1");
    expect(checks.find((c) => c.id === `aws.account.${OTHER}.AbuseDeskReadOnly`)!.fix).toContain(ROLE);
    const none = await awsChecks({ ...OPTS, accounts: [OTHER] }, {});
    expect(none.find((c) => c.id === `aws.account.${OTHER}`)).toMatchObject({ status: "fail" });
  });
});
