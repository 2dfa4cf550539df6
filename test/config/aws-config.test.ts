import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { awsOptionsFrom, configPath, loadAwsOptions, readConfigFile } from "../../src/config/index.ts";
import { UserError } from "../../src/errors.ts";

function home(yaml?: string): { env: Record<string, string>; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "abuse-desk-config-"));
  if (yaml !== undefined) writeFileSync(join(dir, "config.yaml"), yaml);
  return { env: { ABUSE_DESK_HOME: dir }, dir };
}

const FULL = `
aws:
  profile: security-prod
  region: eu-west-1
  organizations: true
  accounts:
    - "111122223333"
    - { id: "444455556666", name: staging, profile: staging }
    - { id: "777788889999", roleArn: "arn:aws:iam::777788889999:role/Special" }
  excludeAccounts: ["999988887777"]
  assumeRole:
    roleName: AbuseDeskReadOnly
    containmentRoleName: AbuseDeskContainment
    externalId: env:DESK_EXTERNAL_ID
    sessionName: desk
    durationSeconds: 1800
  regions: [eu-west-1, us-east-1]
  maxConcurrency: 4
  maxAttempts: 6
  endpoints: { ec2: "http://localhost:4566", s3: "http://localhost:4566" }
  s3ForcePathStyle: true
smtp: { host: mail.example.com }
`;

describe("the configuration file", () => {
  it("lives at $ABUSE_DESK_CONFIG, else config.yaml in the data directory", () => {
    expect(configPath({ ABUSE_DESK_CONFIG: "/etc/abuse-desk.yaml" })).toBe("/etc/abuse-desk.yaml");
    expect(configPath({ ABUSE_DESK_HOME: "/srv/desk" })).toBe("/srv/desk/config.yaml");
  });

  it("a missing default file is no configuration; a missing named one is an error", () => {
    expect(readConfigFile(home().env)).toEqual({ path: null, data: {} });
    expect(() => readConfigFile({ ABUSE_DESK_CONFIG: "/nonexistent/abuse-desk.yaml" })).toThrow(/no such configuration file/);
  });

  it("bad YAML and a non-mapping are refused naming the file", () => {
    const { env, dir } = home("aws: [unclosed");
    expect(() => readConfigFile(env)).toThrow(new RegExp(`${dir}/config.yaml: not valid YAML`));
    expect(() => readConfigFile(home("- a\n- b\n").env)).toThrow(/must be a mapping of sections/);
  });
});

describe("the aws section", () => {
  it("reads every key into the adapter's options, the external id from the environment", () => {
    const { env } = home(FULL);
    const o = loadAwsOptions({}, { ...env, DESK_EXTERNAL_ID: "ext-42" });
    expect(o).toEqual({
      profile: "security-prod",
      region: "eu-west-1",
      accounts: ["111122223333", { id: "444455556666", name: "staging", profile: "staging" }, { id: "777788889999", roleArn: "arn:aws:iam::777788889999:role/Special" }],
      discoverAccounts: true,
      excludeAccounts: ["999988887777"],
      assumeRole: { roleName: "AbuseDeskReadOnly", containmentRoleName: "AbuseDeskContainment", externalId: "ext-42", sessionName: "desk", durationSeconds: 1800 },
      regions: ["eu-west-1", "us-east-1"],
      maxConcurrency: 4,
      maxAttempts: 6,
      endpoints: { ec2: "http://localhost:4566", s3: "http://localhost:4566" },
      s3ForcePathStyle: true,
    });
  });

  it("no file and no variables: nothing set (the adapter behaves like the AWS CLI)", () => {
    expect(loadAwsOptions({}, home().env)).toEqual({});
  });

  it("the environment overrides the file, and flags override both", () => {
    const { env } = home(FULL);
    const vars = {
      ...env,
      DESK_EXTERNAL_ID: "ext-42",
      AWS_PROFILE: "from-env",
      AWS_REGION: "us-west-2",
      AWS_MAX_ATTEMPTS: "9",
      ABUSE_DESK_AWS_ACCOUNTS: "111122223333, 222233334444",
      ABUSE_DESK_AWS_REGIONS: "eu-central-1",
      ABUSE_DESK_AWS_ORGANIZATIONS: "false",
      ABUSE_DESK_AWS_ROLE_NAME: "OtherRole",
      ABUSE_DESK_AWS_MAX_CONCURRENCY: "2",
    };
    const fromEnv = loadAwsOptions({}, vars);
    expect(fromEnv).toMatchObject({
      profile: "from-env",
      region: "us-west-2",
      maxAttempts: 9,
      accounts: ["111122223333", "222233334444"],
      regions: ["eu-central-1"],
      discoverAccounts: false,
      maxConcurrency: 2,
      // merged field by field: the role name from the environment, the rest from the file
      assumeRole: { roleName: "OtherRole", containmentRoleName: "AbuseDeskContainment", externalId: "ext-42" },
    });
    const fromFlags = loadAwsOptions({ profile: "flag", region: "ap-southeast-2", accounts: ["333344445555"], regions: ["eu-west-2"], concurrency: 12 }, vars);
    expect(fromFlags).toMatchObject({ profile: "flag", region: "ap-southeast-2", accounts: ["333344445555"], regions: ["eu-west-2"], maxConcurrency: 12 });
  });

  it.each(["us-east-1", "ap-southeast-5", "us-gov-west-1", "cn-north-1", "us-isob-east-1", "eu-isoe-west-1", "eusc-de-east-1"])("accepts the region code %s (every AWS partition)", (code) => {
    expect(loadAwsOptions({ region: code, regions: [code] }, home().env)).toMatchObject({ region: code, regions: [code] });
  });

  it("AWS_DEFAULT_REGION counts when AWS_REGION is unset", () => {
    expect(loadAwsOptions({}, { ...home().env, AWS_DEFAULT_REGION: "eu-north-1" }).region).toBe("eu-north-1");
  });

  it.each([
    ["aws:\n  accounts: [12345]\n", /aws\.accounts\.0/],
    ["aws:\n  region: Ireland\n", /aws\.region: not a region code/],
    ["aws:\n  assumeRole: { roleName: AbuseDesk, extId: x }\n", /aws\.assumeRole/],
    ["aws:\n  endpoints: { ec2: localhost:4566 }\n", /aws\.endpoints\.ec2: an endpoint is an http/],
    ["aws:\n  endpoints: { lambda: http://localhost:4566 }\n", /aws\.endpoints/],
    ["aws:\n  maxConcurrency: 0\n", /aws\.maxConcurrency/],
    ["aws:\n  regionz: [eu-west-1]\n", /aws: .*regionz/i],
  ])("refuses %j naming the key", (yaml, message) => {
    const e = (() => {
      try {
        loadAwsOptions({}, home(yaml).env);
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).exitCode).toBe(78);
    expect((e as UserError).message).toMatch(message);
  });

  it("refuses bad values in the environment and in flags", () => {
    expect(() => loadAwsOptions({}, { ...home().env, ABUSE_DESK_AWS_ACCOUNTS: "prod" })).toThrow(/ABUSE_DESK_AWS_ACCOUNTS: an AWS account id is 12 digits/);
    expect(() => loadAwsOptions({}, { ...home().env, ABUSE_DESK_AWS_ORGANIZATIONS: "maybe" })).toThrow(/expected true or false/);
    expect(() => loadAwsOptions({ region: "moon-1" }, home().env)).toThrow(/--region: not a region code/);
    expect(() => loadAwsOptions({ region: "eu-west" }, home().env)).toThrow(/--region: not a region code/);
    expect(() => loadAwsOptions({ region: "EU-WEST-1" }, home().env)).toThrow(/--region: not a region code/);
  });

  it("an external id naming an unset variable is an error, not an empty id", () => {
    const { env } = home("aws:\n  assumeRole: { roleName: R, externalId: env:NOPE_NOT_SET }\n");
    expect(() => loadAwsOptions({}, env)).toThrow(/environment variable NOPE_NOT_SET is not set/);
  });

  it("other sections are left to their areas", () => {
    expect(awsOptionsFrom({ path: null, data: { smtp: { whatever: 1 } } }, {})).toEqual({});
  });
});
