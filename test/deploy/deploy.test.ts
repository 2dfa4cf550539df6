/**
 * The deployment files, each read the way its tool reads it and held to what the code and the IAM
 * policies say: the CloudFormation templates (intrinsic tags handled, resource types, references,
 * the event pattern matched against real-shaped Health events, the roles' policies equal to
 * docs/iam), the example configuration (validated by the sections' own schemas), the systemd unit
 * (and `systemd-analyze verify`), the Dockerfile and the compose file.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { awsOptionsFrom } from "../../src/config/aws.ts";
import { healthSourceSchema } from "../../src/intake/health.ts";
import { sqsSourceSchema } from "../../src/intake/sqs.ts";
import { notifySettings } from "../../src/notify/config.ts";
import { serveSettings } from "../../src/serve/config.ts";
import { webConfig } from "../../src/web/config.ts";
import { smtpSettings } from "../../src/reply/config.ts";
import { dangling, matches, parseTemplate, type Template } from "./cfn-yaml.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");
const policy = (f: string) => JSON.parse(read(`docs/iam/${f}`)) as { Version: string; Statement: { Sid?: string; Effect: string; Action: string | string[]; Resource: string | string[] }[] };

describe("deploy/cloudformation/health-intake.yaml", () => {
  const t = parseTemplate(read("deploy/cloudformation/health-intake.yaml"));
  const r = t.Resources;

  it("declares exactly the resources of the design, each in its Region role, and every reference resolves", () => {
    expect(t.AWSTemplateFormatVersion).toBe("2010-09-09");
    expect(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, [v.Type, v.Condition]]))).toEqual({
      DeadLetterQueue: ["AWS::SQS::Queue", "IsCollector"],
      Queue: ["AWS::SQS::Queue", "IsCollector"],
      HealthEventsToQueue: ["AWS::Events::Rule", "IsCollector"],
      QueuePolicy: ["AWS::SQS::QueuePolicy", "IsCollector"],
      ForwardingRole: ["AWS::IAM::Role", "IsForwarder"],
      HealthEventsToCollector: ["AWS::Events::Rule", "IsForwarder"],
    });
    expect(dangling(t)).toEqual([]);
    expect(t.Conditions).toEqual({
      IsCollector: { "Fn::Equals": [{ Ref: "AWS::Region" }, { Ref: "CollectorRegion" }] },
      IsForwarder: { "Fn::Not": [{ "Fn::Equals": [{ Ref: "AWS::Region" }, { Ref: "CollectorRegion" }] }] },
    });
    // global Health events arrive in us-east-1 first: the default collector
    expect(t.Parameters!.CollectorRegion!.Default).toBe("us-east-1");
  });

  it("the queue: a DLQ by redrive, long polling, 14 days, encrypted; its names are the ones the read-only policy allows", () => {
    const q = r.Queue!.Properties!;
    expect(q.RedrivePolicy).toEqual({ deadLetterTargetArn: { "Fn::GetAtt": ["DeadLetterQueue", "Arn"] }, maxReceiveCount: { Ref: "RedriveMaxReceiveCount" } });
    expect(q).toMatchObject({ ReceiveMessageWaitTimeSeconds: 20, MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true, VisibilityTimeout: { Ref: "VisibilityTimeout" } });
    expect(r.DeadLetterQueue!.Properties).toMatchObject({ SqsManagedSseEnabled: true, QueueName: { "Fn::Sub": "${QueueName}-dlq" } });
    const name = String(t.Parameters!.QueueName!.Default);
    const sqsStatements = policy("read-only-policy.json").Statement.filter((s) => [s.Action].flat().some((a) => a.startsWith("sqs:")));
    expect(sqsStatements.map((s) => [[s.Action].flat().sort(), s.Resource])).toEqual([
      [["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"], `arn:aws:sqs:*:*:${name}`],
      [["sqs:SendMessage"], `arn:aws:sqs:*:*:${name}-dlq`],
    ]);
    // abuse-desk moves poison itself (with the reason) before SQS's redrive would
    expect(Number(t.Parameters!.RedriveMaxReceiveCount!.Default)).toBeGreaterThan(sqsSourceSchema.parse({ queueUrl: "https://sqs.us-east-1.amazonaws.com/1/q", dlqUrl: "https://sqs.us-east-1.amazonaws.com/1/d" }).maxReceiveCount);
    expect(Number(t.Parameters!.VisibilityTimeout!.Default)).toBe(sqsSourceSchema.shape.visibilityTimeout.parse(undefined));
  });

  it("the queue policy lets only the Health rule send, over TLS", () => {
    const doc = r.QueuePolicy!.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] };
    expect(r.QueuePolicy!.Properties!.Queues).toEqual([{ Ref: "Queue" }]);
    expect(doc.Statement).toEqual([
      {
        Sid: "OnlyTheHealthRuleSends",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: { "Fn::GetAtt": ["Queue", "Arn"] },
        Condition: { ArnEquals: { "aws:SourceArn": { "Fn::GetAtt": ["HealthEventsToQueue", "Arn"] } } },
      },
      { Sid: "TlsOnly", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: { "Fn::GetAtt": ["Queue", "Arn"] }, Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ]);
  });

  it("the rules: the collector's targets the queue, the others forward to the collector Region's bus with a role that may only put there", () => {
    const toQueue = r.HealthEventsToQueue!.Properties!;
    expect(toQueue.Targets).toEqual([expect.objectContaining({ Arn: { "Fn::GetAtt": ["Queue", "Arn"] } })]);
    const fwd = r.HealthEventsToCollector!.Properties!;
    const bus = { "Fn::Sub": "arn:${AWS::Partition}:events:${CollectorRegion}:${AWS::AccountId}:event-bus/default" };
    expect(fwd.Targets).toEqual([expect.objectContaining({ Arn: bus, RoleArn: { "Fn::GetAtt": ["ForwardingRole", "Arn"] } })]);
    const role = r.ForwardingRole!.Properties! as { AssumeRolePolicyDocument: { Statement: { Principal: unknown }[] }; Policies: { PolicyDocument: { Statement: unknown[] } }[] };
    expect(role.AssumeRolePolicyDocument.Statement[0]!.Principal).toEqual({ Service: "events.amazonaws.com" });
    expect(role.Policies.flatMap((p) => p.PolicyDocument.Statement)).toEqual([{ Effect: "Allow", Action: "events:PutEvents", Resource: bus }]);
    // one pattern, in both places
    expect(fwd.EventPattern).toEqual(toQueue.EventPattern);
  });

  describe("the event pattern against real-shaped Health events", () => {
    const pattern = r.HealthEventsToQueue!.Properties!.EventPattern as Record<string, unknown>;
    const fixture = (p: string) => JSON.parse(read(p)) as Record<string, unknown>;
    const abuse = fixture("fixtures/notices/health-eventbridge-abuse.json");
    const withDetail = (d: Record<string, unknown>, env: Record<string, unknown> = {}) => ({ ...abuse, ...env, detail: { ...(abuse.detail as object), ...d } });

    it.each([
      ["an abuse event (EventBridge delivery, AWS Health Abuse Event)", abuse],
      ["a risk event (credentials exposure)", fixture("fixtures/notices/scored/health-risk-exposure-suspected.txt")],
      ["an abuse event with eventScopeCode, affectedAccount", fixture("fixtures/notices/scored/health-eventbridge-ec2-code.txt")],
      ["an abuse code filed under another service", withDetail({ service: "EC2" })],
      ["a backup delivery of a global event", withDetail({ backupEvent: true }, { region: "us-west-2" })],
    ])("matches %s", (_what, event) => {
      expect(matches(pattern, event)).toBe(true);
    });

    it.each([
      ["an operational Health event", withDetail({ service: "EC2", eventTypeCode: "AWS_EC2_OPERATIONAL_ISSUE", eventTypeCategory: "issue" }, { "detail-type": "AWS Health Event" })],
      ["a scheduled change", withDetail({ service: "RDS", eventTypeCode: "AWS_RDS_PLANNED_LIFECYCLE_EVENT", eventTypeCategory: "scheduledChange" })],
      ["AWS's mock source (a test event)", { ...abuse, source: "awsmock.health" }],
      ["another source with an abuse-looking detail", { ...abuse, source: "my.app" }],
    ])("does not match %s", (_what, event) => {
      expect(matches(pattern, event)).toBe(false);
    });
  });

  it("outputs the two URLs intake.sqs needs", () => {
    expect(t.Outputs!.QueueUrl!.Value).toEqual({ Ref: "Queue" });
    expect(t.Outputs!.DeadLetterQueueUrl!.Value).toEqual({ Ref: "DeadLetterQueue" });
  });
});

describe("deploy/cloudformation/roles-stackset.yaml", () => {
  const outer = parseTemplate(read("deploy/cloudformation/roles-stackset.yaml"));
  const set = outer.Resources.RolesStackSet!;
  const props = set.Properties! as Record<string, unknown> & { TemplateBody: string; Parameters: { ParameterKey: string; ParameterValue: unknown }[] };
  const inner: Template = parseTemplate(props.TemplateBody);

  it("is a service-managed StackSet deploying to the organization's OUs, and to accounts that join later", () => {
    expect(Object.keys(outer.Resources)).toEqual(["RolesStackSet"]);
    expect(set.Type).toBe("AWS::CloudFormation::StackSet");
    expect(props).toMatchObject({ PermissionModel: "SERVICE_MANAGED", AutoDeployment: { Enabled: true }, Capabilities: ["CAPABILITY_NAMED_IAM"] });
    expect(props.StackInstancesGroup).toEqual([{ DeploymentTargets: { OrganizationalUnitIds: { Ref: "OrganizationalUnitIds" } }, Regions: ["us-east-1"] }]);
    expect(dangling(outer)).toEqual([]);
    expect(dangling(inner)).toEqual([]);
    // every parameter the inner template takes is passed, and nothing else
    expect(props.Parameters.map((p) => p.ParameterKey).sort()).toEqual(Object.keys(inner.Parameters!).sort());
    expect(outer.Parameters!.ExternalId!.NoEcho).toBe(true);
    expect(inner.Parameters!.ExternalId!.NoEcho).toBe(true);
  });

  const roles = () => inner.Resources as Record<string, { Type: string; Properties: { RoleName: unknown; AssumeRolePolicyDocument: { Statement: Record<string, unknown>[] }; Policies: { PolicyName: string; PolicyDocument: unknown }[] } }>;

  it("the roles' policies are docs/iam/*.json exactly: read-only for resolution; containment plus read-only for containment", () => {
    expect(Object.fromEntries(Object.entries(roles()).map(([k, v]) => [k, v.Type]))).toEqual({ ReadOnlyRole: "AWS::IAM::Role", ContainmentRole: "AWS::IAM::Role" });
    expect(roles().ReadOnlyRole!.Properties.Policies.map((p) => p.PolicyDocument)).toEqual([policy("read-only-policy.json")]);
    // The evidence statement's resource is the EvidenceBucketName parameter; with its default it is the policy file's.
    const evidenceBucket = String(outer.Parameters!.EvidenceBucketName!.Default);
    const rendered = JSON.parse(JSON.stringify(roles().ContainmentRole!.Properties.Policies.map((p) => p.PolicyDocument)).replaceAll('{"Fn::Sub":"arn:${AWS::Partition}:s3:::${EvidenceBucketName}/*"}', JSON.stringify(`arn:aws:s3:::${evidenceBucket}/*`))) as unknown;
    expect(rendered).toEqual([policy("containment-policy.json"), policy("read-only-policy.json")]);
    // the role names are the ones the example configuration assumes
    const aws = (parseYaml(read("deploy/config.example.yaml")) as { aws: { assumeRole: { roleName: string; containmentRoleName: string } } }).aws.assumeRole;
    expect(outer.Parameters!.ReadOnlyRoleName!.Default).toBe(aws.roleName);
    expect(outer.Parameters!.ContainmentRoleName!.Default).toBe(aws.containmentRoleName);
  });

  it("the containment role writes evidence only into the EvidenceBucketName bucket (default: abuse-desk-evidence-*), never into any bucket", () => {
    const p = outer.Parameters!.EvidenceBucketName!;
    expect(p.Default).toBe("abuse-desk-evidence-*");
    const allowed = new RegExp(String(p.AllowedPattern));
    for (const ok of ["abuse-desk-evidence-*", "abuse-desk-evidence-prod", "my-evidence.example"]) expect(allowed.test(ok), ok).toBe(true);
    for (const bad of ["*", "*/*", "a*", "bucket/*", "Evidence"]) expect(allowed.test(bad), bad).toBe(false);
    const statements = roles().ContainmentRole!.Properties.Policies.flatMap((x) => (x.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    const puts = statements.filter((st) => [st.Action].flat().some((a) => a === "s3:PutObject" || a === "s3:PutObjectRetention"));
    expect(puts.map((st) => st.Resource)).toEqual([{ "Fn::Sub": "arn:${AWS::Partition}:s3:::${EvidenceBucketName}/*" }]);
  });

  it("only the desk's principal, with the external id, may assume them; inline policies fit IAM's 10,240-character quota", () => {
    for (const [name, role] of Object.entries(roles())) {
      const [trust] = role.Properties.AssumeRolePolicyDocument.Statement;
      expect(trust, name).toMatchObject({
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": { Ref: "ExternalId" } }, ArnEquals: { "aws:PrincipalArn": { "Fn::Sub": "arn:${AWS::Partition}:iam::${DeskAccountId}:${DeskPrincipalName}" } } },
      });
      const size = role.Properties.Policies.map((p) => JSON.stringify(p.PolicyDocument).replace(/\s/g, "").length).reduce((a, b) => a + b, 0);
      expect(size, name).toBeLessThanOrEqual(10_240);
    }
  });
});

describe("deploy/config.example.yaml", () => {
  const text = read("deploy/config.example.yaml");
  const data = parseYaml(text) as Record<string, Record<string, unknown>>;
  const doc = { path: "deploy/config.example.yaml", data };
  const env = { ABUSE_DESK_EXTERNAL_ID: "x-external-id", ABUSE_DESK_SLACK_WEBHOOK: "https://hooks.slack.com/services/T/B/C", ABUSE_DESK_SMTP_PASSWORD: "pw" };

  it("each section passes its own schema", () => {
    expect(awsOptionsFrom(doc, env)).toMatchObject({ region: "us-east-1", discoverAccounts: true, assumeRole: { roleName: "AbuseDeskReadOnly", externalId: "x-external-id" } });
    expect(notifySettings(doc, env).channels.length).toBe(1);
    expect(smtpSettings(doc, env)).not.toBeNull();
    const intake = data.intake!;
    // account and http are the service's own keys (src/serve/config.ts validates the whole section)
    expect(Object.keys(intake).sort()).toEqual(["account", "health", "http", "sqs"]);
    expect(intake.http).toEqual({ host: "127.0.0.1", port: 8025 });
    expect(healthSourceSchema.parse(intake.health)).toMatchObject({ organization: true, region: "auto" });
    const sqs = sqsSourceSchema.parse(intake.sqs);
    // the queue names are the stack's
    const stack = parseTemplate(read("deploy/cloudformation/health-intake.yaml"));
    expect(sqs.queueUrl.endsWith(`/${String(stack.Parameters!.QueueName!.Default)}`)).toBe(true);
    expect(sqs.dlqUrl.endsWith(`/${String(stack.Parameters!.QueueName!.Default)}-dlq`)).toBe(true);
    // the whole intake: section as the service reads it (every key, the sources built from the registry)
    const settings = serveSettings(doc, env);
    expect(settings.account).toBe("aws");
    expect(settings.sources.map((x) => x.kind).sort()).toEqual(["health", "sqs"]);
    // the web desk's section, when the file has one, passes its schema
    expect(() => webConfig(doc)).not.toThrow();
  });

  it("holds no secret: every password, secret, webhook and external id is env:NAME", () => {
    const found: string[] = [];
    const walk = (v: unknown, path: string) => {
      if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
      else if (/(pass|password|secret|webhookUrl|externalId|token)$/i.test(path) && !String(v).startsWith("env:")) found.push(path);
    };
    walk(data, "");
    expect(found).toEqual([]);
  });
});

describe("deploy/systemd/abuse-desk.service", () => {
  const text = read("deploy/systemd/abuse-desk.service");
  const sections = new Map<string, Map<string, string[]>>();
  let current = "";
  for (const line of text.split("\n")) {
    const l = line.trim();
    if (!l || l.startsWith("#")) continue;
    const s = /^\[(.+)\]$/.exec(l);
    if (s) {
      current = s[1]!;
      sections.set(current, new Map());
      continue;
    }
    const [k, ...rest] = l.split("=");
    const m = sections.get(current)!;
    m.set(k!, [...(m.get(k!) ?? []), rest.join("=")]);
  }
  const svc = sections.get("Service")!;
  const one = (k: string) => svc.get(k)?.at(-1);

  it("runs `abuse-desk serve` as an unprivileged user, restarted on failure, secrets from a file", () => {
    expect(one("ExecStart")).toMatch(/\bbin\/abuse-desk\.js serve$/);
    expect(one("User")).toBe("abuse-desk");
    expect(one("Restart")).toBe("on-failure");
    expect(one("EnvironmentFile")).toBe("/etc/abuse-desk/env");
    expect(one("StateDirectory")).toBe("abuse-desk");
    expect(one("UMask")).toBe("0077");
    expect(svc.get("Environment")).toContain("ABUSE_DESK_HOME=/var/lib/abuse-desk");
    expect(text).not.toMatch(/PASSWORD=|SECRET=|postgres:\/\/[^\s]*:[^\s]*@/i);
    expect(sections.get("Install")!.get("WantedBy")).toEqual(["multi-user.target"]);
  });

  it("is hardened: no new privileges, read-only system, no capabilities, only its state directory writable", () => {
    for (const [k, v] of [["NoNewPrivileges", "yes"], ["ProtectSystem", "strict"], ["ProtectHome", "yes"], ["PrivateTmp", "yes"], ["CapabilityBoundingSet", ""], ["ReadWritePaths", "/var/lib/abuse-desk"]] as const) expect(one(k), k).toBe(v);
  });

  it("systemd-analyze verify accepts it", () => {
    // Debian's systemd is part of the test machine: missing, this fails (never skips)
    const out = execFileSync("systemd-analyze", ["verify", join(ROOT, "deploy/systemd/abuse-desk.service")], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(out).toBe("");
  });
});

describe("Dockerfile and deploy/compose.yaml", () => {
  const docker = read("Dockerfile");
  const lines = docker
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const instr = (name: string) => lines.filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());

  it("the image: Node of package.json's engines, exact lockfile deps, unprivileged, healthcheck on /healthz, `serve`", () => {
    const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
    expect(instr("FROM")).toEqual([`node:${/\d+/.exec(engines)![0]}-bookworm-slim`]);
    expect(instr("RUN").some((r) => /npm ci --omit=dev/.test(r))).toBe(true);
    expect(instr("COPY")[0]).toBe("package.json package-lock.json ./");
    for (const c of instr("COPY")) for (const src of c.split(/\s+/).slice(0, -1)) expect(existsSync(join(ROOT, src)), src).toBe(true);
    // the user switch comes before what runs
    const userAt = lines.findIndex((l) => l.startsWith("USER "));
    expect(instr("USER")).toEqual(["node"]);
    expect(userAt).toBeLessThan(lines.findIndex((l) => l.startsWith("ENTRYPOINT ")));
    expect(instr("ENTRYPOINT")).toEqual(['["node", "bin/abuse-desk.js"]']);
    expect(instr("CMD")).toEqual(['["serve"]']);
    const port = instr("EXPOSE")[0]!;
    expect(instr("HEALTHCHECK")[0]).toContain(`http://127.0.0.1:${port}/healthz`);
    expect(docker).not.toMatch(/^\s*(ENV|ARG)\s+\S*(PASSWORD|SECRET|TOKEN|KEY)\S*/im);
    const ignore = read(".dockerignore").split("\n");
    for (const p of ["node_modules", ".git", ".env", "test"]) expect(ignore).toContain(p);
  });

  it("compose: PostgreSQL healthy before the desk, the password only from the environment, ports on loopback", () => {
    const c = parseYaml(read("deploy/compose.yaml")) as { services: Record<string, Record<string, unknown>>; volumes: Record<string, unknown> };
    const db = c.services.db!;
    const desk = c.services.desk!;
    expect(String(db.image)).toMatch(/^postgres:\d+/);
    expect(JSON.stringify(db.healthcheck)).toContain("pg_isready");
    expect(db.ports).toBeUndefined();
    expect(desk.depends_on).toEqual({ db: { condition: "service_healthy" } });
    const envOf = (s: Record<string, unknown>) => s.environment as Record<string, string>;
    expect(envOf(desk).DATABASE_URL).toBe(`postgres://${envOf(db).POSTGRES_USER}@db:5432/${envOf(db).POSTGRES_DB}`);
    expect(envOf(desk).PGPASSWORD).toBe("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}");
    expect(envOf(db).POSTGRES_PASSWORD).toBe("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}");
    for (const s of Object.values(c.services)) for (const [k, v] of Object.entries(envOf(s) ?? {})) if (/PASSWORD|SECRET|WEBHOOK|EXTERNAL_ID/.test(k)) expect(String(v), k).toMatch(/^\$\{[A-Z_]+(:[-?][^}]*)?\}$/);
    // nothing published: the service's HTTP is on the container's loopback (see the comment in the file)
    expect(desk.ports).toBeUndefined();
    expect(desk).toMatchObject({ read_only: true, cap_drop: ["ALL"] });
    // the build context is the repository, and the mounted config is the example beside it
    const build = desk.build as { context: string; dockerfile: string };
    expect(existsSync(join(ROOT, "deploy", build.context, build.dockerfile))).toBe(true);
    const mount = (desk.volumes as string[]).find((v) => v.endsWith(":/etc/abuse-desk/config.yaml:ro"))!;
    expect(existsSync(join(ROOT, "deploy", mount.split(":")[0]!))).toBe(true);
    // the image's port is the one the example configuration serves on
    const http = (parseYaml(read("deploy/config.example.yaml")) as { intake: { http: { port: number } } }).intake.http;
    expect(String(instr("EXPOSE")[0])).toBe(String(http.port));
  });
});
