/**
 * The containment policy: what an organisation allows the playbooks to do, written once in YAML
 * (docs/containment.md describes every key; fixtures/policies/example.yaml is a full example).
 *
 * Every key has a safe default, so an empty file (or no file) is a valid policy: no examiner
 * access, `abuse-desk:protected=true` refuses actions, at most 10 instances per plan, no host
 * triage, never stop, nothing runs without a person.
 */
import { z } from "zod";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { UserError } from "../errors.ts";
import { ASG_PROCESSES, expandActions } from "../plan/actions/index.ts";
import { PLAYBOOKS } from "../plan/playbooks.ts";

/** Auto Scaling processes (SuspendProcesses' vocabulary). */
export { ASG_PROCESSES };

const cidr = z.union([z.cidrv4(), z.cidrv6()], { error: "expected an IPv4 or IPv6 CIDR (203.0.113.0/28, 2001:db8::/64)" });
const port = z.int().min(0).max(65535);
const tagMap = z.record(z.string().min(1).max(128), z.string().max(256));
const prefixList = z.string().regex(/^pl-[0-9a-f]+$/, "expected a prefix list id (pl-...)");

const automaticRule = z.strictObject({
  /** A name for the journal ("isolate dev hosts"). */
  name: z.string().min(1).optional(),
  /** Playbooks the rule covers; `*` for any. A misspelt name would never match: it is refused. */
  playbooks: z
    .array(z.string().min(1))
    .min(1)
    .default(["*"])
    .superRefine((names, ctx) => {
      const unknown = names.filter((n) => n !== "*" && !(PLAYBOOKS as readonly string[]).includes(n));
      if (unknown.length) ctx.addIssue({ code: "custom", message: `unknown playbook(s): ${unknown.join(", ")} (known: *, ${PLAYBOOKS.join(", ")})` });
    }),
  /** Actions or aliases (`preserve`, `isolate`, `restrict-ports`, `take-content-offline`, `deactivate-keys`). */
  actions: z
    .array(z.string().min(1))
    .min(1)
    .superRefine((words, ctx) => {
      const { unknown } = expandActions(words);
      if (unknown.length) ctx.addIssue({ code: "custom", message: `unknown action(s): ${unknown.join(", ")}` });
    }),
  /** Every resource a step touches must carry all of these tags. */
  tags: tagMap.default({}),
  /** Limit the rule to these accounts (all when absent). */
  accounts: z.array(z.string().regex(/^\d{12}$/, "expected a 12-digit account id")).optional(),
});

export const PolicySchema = z.strictObject({
  version: z.literal(1).default(1),
  examiners: z
    .strictObject({
      /** Who may reach an isolated host (a forensic workstation, a bastion). */
      cidrs: z.array(cidr).default([]),
      /** TCP ports open to them (22 SSH; add 3389 for Windows). */
      ports: z.array(port).min(1).default([22]),
    })
    .prefault({}),
  protected: z
    .strictObject({
      /** A resource carrying any of these tags is never touched: it is named in the plan's `refused`. */
      tags: tagMap.default({ "abuse-desk:protected": "true" }),
      /** Resource ids never touched, whatever their tags. */
      ids: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  blastRadius: z
    .strictObject({
      /** More hosts (instances and stand-alone ENIs) than this in one plan: none is planned, all are refused (raise it deliberately). */
      maxInstances: z.int().min(1).default(10),
    })
    .prefault({}),
  hostTriage: z
    .strictObject({
      /** Let an isolated host reach Systems Manager (HTTPS out) so it can be examined with Run Command. */
      enabled: z.boolean().default(false),
      /**
       * Where the SSM endpoints are: `vpc-cidr` (interface endpoints inside the VPC: the default,
       * because a public SSM endpoint would need 443 to the whole internet) or explicit CIDRs /
       * prefix lists (the endpoint ENIs' addresses, a firewall).
       */
      egress: z
        .union([z.literal("vpc-cidr"), z.strictObject({ cidrs: z.array(cidr).default([]), prefixListIds: z.array(prefixList).default([]) })])
        .default("vpc-cidr"),
    })
    .prefault({}),
  host: z
    .strictObject({
      /** Stop the instance after snapshots and isolation. Off: memory is evidence. */
      stop: z.boolean().default(false),
      /** `standby` keeps the instance in its group (exactly undone by ExitStandby); `detach` removes it. */
      autoScaling: z.enum(["standby", "detach"]).default("standby"),
      /** Processes suspended so the group cannot replace or rebalance the instance away. */
      suspendProcesses: z.array(z.enum(ASG_PROCESSES)).default(["ReplaceUnhealthy", "AZRebalance"]),
    })
    .prefault({}),
  networkAcl: z
    .strictObject({
      /**
       * Deny the reported peers in the network ACLs of the plan's hosts, whatever the playbook
       * (src/playbook/acl.ts): only in an ACL several of them share, in every one (`always`), or
       * never. `plan --urgent` asks for every one, first, for that plan.
       */
      use: z.enum(["multi-host", "always", "never"]).default("multi-host"),
      /** Rules per direction the account allows (20 by default, up to 40 on request). */
      ruleQuota: z.int().min(1).max(40).default(20),
    })
    .prefault({}),
  /** Steps that may run without a person, for authentic notices only. */
  automatic: z.array(automaticRule).default([]),
});

export type Policy = z.infer<typeof PolicySchema>;
export type AutomaticRule = Policy["automatic"][number];

/** The policy with every default: what applies when no file is given. */
export function defaultPolicy(): Policy {
  return PolicySchema.parse({});
}

/** Parses and validates a policy's YAML text; errors name the file, the key path and what is wrong. */
export function parsePolicy(text: string, name = "policy"): Policy {
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    const msg = err instanceof YAMLParseError ? err.message.split("\n")[0] : String(err);
    throw new UserError(`${name}: not valid YAML: ${msg}`, { exitCode: 65, cause: err });
  }
  const result = PolicySchema.safeParse(data ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.length ? i.path.join(".") : "(top)"}: ${i.message}`);
    throw new UserError(`${name}: invalid policy:\n${lines.join("\n")}`, {
      exitCode: 65,
      hint: "docs/containment.md lists every key; fixtures/policies/example.yaml is a complete example",
    });
  }
  return result.data;
}
