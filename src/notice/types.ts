/**
 * The Notice: what an AWS abuse report says, as plain data.
 *
 * This is the contract between the parser (src/notice) and every later stage. The JSON printed by
 * `abuse-desk parse --json` is a Notice; outside tools rely on the flat keys (`activityType`, `kind`,
 * `caseNumber`, `accountIds`, `regions`, `instanceIds`, `publicIps`, `accessKeyIds`,
 * `networkInterfaceIds`, `remoteIps`, `remotePorts`, `protocol`, `destinationUrls`, `window`,
 * `deadline`, `resources`, `fields`), so they are only ever added to, never renamed.
 */

/** Activity vocabulary (shared/corpus/README.md). */
export const ACTIVITY_TYPES = [
  "port_scan",
  "dos",
  "spam_web",
  "spam_email",
  "phishing",
  "malware_hosting",
  "botnet_c2",
  "brute_force",
  "web_attack",
  "crawling",
  "copyright",
  "illegal_content",
  "credentials_exposed",
  "account_compromise",
  "open_proxy",
  "crypto_mining",
  "intrusion",
  "other",
] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export const NOTICE_KINDS = [
  "initial_report",
  "follow_up",
  "final_notification",
  "resolved",
  "credentials_exposed",
  "account_compromise",
  "ses_enforcement",
  "health_event",
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** How the notice reached us; decides what can be proven about it (pasted text never can). */
export type InputFormat = "email" | "text" | "health-event" | "health-console";

/** Where in the message a value was read. */
export interface Source {
  /** Which part of the input: the subject, a header, the body (AWS's own words), the forwarded third-party report, a Health event field. */
  part: "subject" | "header" | "body" | "forwarded" | "event";
  /** 1-based line in the decoded text of that part, when it has lines. */
  line?: number;
  /** The label the value followed (`Remote IP`, `Abuse Time`, `detail.eventTypeCode`...). */
  label?: string;
  /** The text the value was read from, trimmed to at most 200 characters. */
  excerpt: string;
}

export const RESOURCE_TYPES = [
  "ec2-instance",
  "network-interface",
  "elastic-ip",
  "public-ip",
  "nat-gateway",
  "load-balancer",
  "access-key",
  "iam-user",
  "s3-bucket",
  "cloudfront-distribution",
  "lightsail-instance",
  "ses-identity",
  "lambda-function",
  "other",
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** A resource the notice names (what the account says about it comes later, in src/resolve). */
export interface ResourceRef {
  type: ResourceType;
  /** The identifier as AWS writes it: `i-0abc...`, `eni-...`, `AKIA...`, an IP, a bucket name, an ARN's resource id. */
  id: string;
  accountId?: string;
  region?: string;
  /** Public IP written beside an instance (`i-0abc [203.0.113.7]`). */
  publicIp?: string;
  /** IAM user an access key belongs to, when the notice says. */
  iamUser?: string;
  arn?: string;
  source: Source;
}

/** Something AWS says it already did ("Outgoing Port 80 Blocked"). Never a remote port. */
export interface Mitigation {
  text: string;
  action: "block_traffic" | "block_port" | "isolate" | "limit_launch" | "block_stop_start" | "quarantine_policy" | "sending_paused" | "other";
  direction?: "inbound" | "outbound" | "both";
  protocol?: string;
  ports?: number[];
  region?: string;
  resourceId?: string;
  source: Source;
}

/** A labelled line as found (`Reported Activity: Port Scanning`), in order. */
export interface Field {
  label: string;
  value: string;
  source: Source;
}

export type RemotePorts = number[] | { count: number };

export interface Deadline {
  /** ISO 8601 (UTC) or null when the notice gives no clue and its receipt time is unknown. */
  at: string | null;
  /** `stated`: a date or timeline in the notice; `default`: 24 hours after receipt (AWS Knowledge Center). */
  basis: "stated" | "default" | "unknown";
  /** The words that set it ("within five (5) days", "within 24 hours"). */
  text?: string;
  source?: Source;
}

/** The AWS Health event behind a notice, when it came as one. */
export interface HealthEventInfo {
  eventTypeCode: string;
  service?: string;
  category?: string;
  arn?: string;
  statusCode?: string;
  /** aws.health for a real event; anything else (awsmock.health) is visible here. */
  source?: string;
  /** True when the tool fetched it from the AWS Health API itself (authentic by source). */
  fetchedFromApi?: boolean;
}

export interface Notice {
  format: InputFormat;
  kind: NoticeKind;
  activityType: ActivityType;
  /** The activity as AWS worded it ("resembles scanning remote hosts...", "Port Scanning"). */
  activityText: string | null;
  caseNumber: string | null;

  /** Message metadata, when the input was an e-mail. */
  subject: string | null;
  from: string | null;
  messageId: string | null;
  /**
   * The message's References header (else its In-Reply-To), Message-IDs with angle brackets, oldest
   * first. Optional: the reply threads under `messageId` alone when absent.
   */
  references?: string[];
  /** The message's Date (or the Health event's time): ISO 8601, or null. */
  receivedAt: string | null;

  accountIds: string[];
  /** Region codes (`eu-west-1`) or `global`; names are mapped to codes. */
  regions: string[];
  instanceIds: string[];
  publicIps: string[];
  accessKeyIds: string[];
  networkInterfaceIds: string[];
  remoteIps: string[];
  remotePorts: RemotePorts;
  /** Upper-case protocol name (TCP, UDP, ICMP...), numbers mapped (17 -> UDP). */
  protocol: string | null;
  destinationUrls: string[];
  /** The activity window, ISO 8601 UTC, or null. */
  window: { begin: string | null; end: string | null };
  deadline: Deadline;
  resources: ResourceRef[];
  mitigations: Mitigation[];
  /** The reporter's log extract, verbatim. */
  logExtract: string | null;
  /** The reporter's web-form fields (`Abuse type`, `Source IPs`...), label without the `*`. */
  reporterFields: Record<string, string>;
  /** Every labelled field as found. */
  fields: Field[];
  /** Where each extracted value came from: `provenance.remoteIps[0]` is the source of `remoteIps[0]`. */
  provenance: Record<string, Source[]>;
  /** Values seen but not reported because the publisher redacted them (`34.xx.xx.xx`, `****`). */
  redactions: { field: string; text: string; source: Source }[];
  health: HealthEventInfo | null;
  /** Things a reader should know: text cut off, a field that could not be read. */
  warnings: string[];
}

/** What the verifier needs of an e-mail beyond the Notice: envelope, links, attachments. */
export interface MailView {
  /** Header lines in order, names lower-cased, values unfolded. */
  headers: [name: string, value: string][];
  from: { address: string; name: string } | null;
  replyTo: { address: string; name: string }[];
  returnPath: string | null;
  subject: string | null;
  /** Every link in the body: `href` as written, `text` what the reader sees (HTML anchors), and where. */
  links: { href: string; text: string | null; part: "html" | "text" }[];
  attachments: { filename: string | null; contentType: string; size: number }[];
  /** The decoded text the reader sees (HTML turned to text when there is no text part). */
  text: string;
  /** True when the message was forwarded by the recipient (inline or as message/rfc822). */
  forwarded: boolean;
}

/** One item of an input file: a message of an mbox, an e-mail, a Health event, a pasted text. */
export interface ParsedItem {
  /** 0-based position in the input (mbox message number, array index of events). */
  index: number;
  format: InputFormat;
  /** The exact bytes of this item: the RFC 822 message for DKIM/ARC, or the text/JSON as given. */
  raw: Buffer;
  notice: Notice;
  mail: MailView | null;
}

/** The result of reading an input that could not be read at all, for one item. */
export interface ParseFailure {
  index: number;
  error: string;
}
