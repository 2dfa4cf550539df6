/**
 * The estate's `logs:` section: the log files an estate's accounts hold, generated when the estate
 * is loaded (./logs-estate.ts), so the investigation reads them as it reads AWS's.
 *
 * - `flowLogs`: VPC flow logs (on a VPC, subnet or ENI) delivering to an S3 bucket, and the traffic
 *   they recorded: scripted scenarios (./flowgen.ts: a scanning host, an open proxy, a miner, a spam
 *   relay, a false report with only a web server's ordinary traffic) on ENIs the flow log covers,
 *   written as AWS delivers them (gzip text, one file per flow log and five minutes).
 * - `trailFiles`: an organization trail's log archive: every account's and region's CloudTrail
 *   events of the estate written as CloudTrail delivers them (./trail-files.ts) into a bucket.
 *
 * See docs/sim.md.
 */
import { z } from "zod";

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const accountId = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = typeof v === "number" ? String(v) : v;
  if (!ACCOUNT_ID.test(s)) {
    ctx.addIssue({ code: "custom", message: `account id "${s}" is not 12 digits (write account ids as quoted strings)` });
    return z.NEVER;
  }
  return s;
});
const region = z.string().regex(REGION, "not an AWS region code (eu-west-1, us-east-1...)");
const isoTime = z.iso.datetime({ offset: true, message: "not an ISO 8601 date-time (2025-05-01T10:00:00Z)" });
const bucket = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "not an S3 bucket name")
  .refine((b) => !b.includes(".."), "not an S3 bucket name");
const prefix = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9!_.*'()/-]*$/, "an S3 prefix of letters, digits and !_.*'()/-")
  .refine((p) => !p.startsWith("/") && !p.endsWith("/") && !p.split("/").includes(".."), "a prefix without a leading or trailing / or a .. segment");

export const FLOW_SCENARIOS = ["scanning-host", "open-proxy", "miner", "spam-relay", "false-report"] as const;

const traffic = z
  .object({
    scenario: z.enum(FLOW_SCENARIOS),
    /** The ENI the traffic is on (covered by the flow log); its private address is the ENI's. */
    networkInterfaceId: z.string().regex(/^eni-[0-9a-f]{8,17}$/, "not an ENI id"),
    /** When the activity starts. */
    start: isoTime,
    /** How long the records run, in minutes (the activity and the host's ordinary traffic). */
    minutes: z.int().min(1).max(24 * 60),
    /** The activity stops here (containment); the ordinary traffic goes on. */
    stopAt: isoTime.optional(),
    seed: z.int().min(0).max(2 ** 31).optional(),
    /** Extra SYN probes to one reported address, on this many ports spread over the minutes (a notice's "Remote IP"). */
    probe: z
      .object({ ip: z.ipv4({ message: "not an IPv4 address" }), ports: z.int().min(1).max(65535) })
      .strict()
      .optional(),
  })
  .strict();

const flowLog = z
  .object({
    accountId,
    region,
    flowLogId: z.string().regex(/^fl-[0-9a-f]{8,17}$/, "not a flow log id (fl- then 8 or 17 hex digits)"),
    /** The VPC, subnet or ENI it captures. */
    resourceId: z.string().regex(/^(vpc|subnet|eni)-[0-9a-f]{8,17}$/, "a VPC, subnet or ENI id"),
    bucket,
    /** The prefix before AWSLogs/ ("" for none). */
    prefix: prefix.default(""),
    /** The record format; AWS's default (version 2) when absent. */
    logFormat: z.string().max(2000).optional(),
    perHourPartition: z.boolean().default(true),
    hiveCompatiblePartitions: z.boolean().default(false),
    traffic: z.array(traffic).default([]),
  })
  .strict();

const trailFiles = z
  .object({
    /** The account holding the log archive bucket. */
    accountId,
    bucket,
    region: region.default("us-east-1"),
    prefix: prefix.optional(),
    /** The organization id in the key (an organization trail): AWSLogs/o-.../ACCOUNT/... */
    organizationId: z
      .string()
      .regex(/^o-[a-z0-9]{10,32}$/, "an organization id (o-...)")
      .optional(),
  })
  .strict();

export const logsSchema = z
  .object({
    flowLogs: z.array(flowLog).default([]),
    trailFiles: z.array(trailFiles).default([]),
  })
  .strict();

export type LogsInput = z.output<typeof logsSchema>;
