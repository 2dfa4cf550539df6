/**
 * The SQL over the organization trail's log files: one query text for DuckDB (local files) and
 * Athena, over the table `cloudtrail_logs` that src/investigate/sql defines for both (the DuckDB
 * view over downloaded files, the Athena DDL with partition projection).
 *
 * Both engines see `cloudtrail_logs` with CloudTrail's record fields in lower case (the columns of
 * AWS's documented CloudTrail table) and three partition columns: `aws_account_id`, `aws_region`
 * and `dt` ('YYYY/MM/DD', the date folder of the log file), as src/investigate/sql names them. Every value that reaches the SQL
 * text is checked against the shape its kind has in AWS and then quoted; a value of any other shape
 * is refused (the caller says it was not searched), so nothing from a notice is spliced into SQL.
 */
import type { TrailLogLocation } from "../types.ts";

export const TRAIL_TABLE = "cloudtrail_logs";

/** What the trail files are asked: the window, the partitions, and what makes an event relevant. */
export interface TrailSqlQuery {
  accounts: string[];
  regions: string[];
  /** ISO 8601 UTC bounds (inclusive). */
  start: string;
  end: string;
  /** Ids (instances, ENIs, security groups, key pairs, allocation ids, addresses) named in the request or response of an event. */
  resourceIds: string[];
  /** Access key ids the events were signed with. */
  accessKeyIds: string[];
  /** IAM user names (userIdentity.userName) and role session names (the part after ':' of principalId; an instance id for EC2 role credentials). */
  userNames: string[];
  sessionNames: string[];
  /** Role ARNs (arn:aws:iam::ACCOUNT:role[/PATH]/NAME) whose sessions, whatever their names, are asked for (an instance's role). */
  roleArns?: string[];
  /** Restrict resource matches to these event names (none: any event naming the resource). */
  eventNames?: string[];
}

const SHAPES: [string, RegExp][] = [
  ["account", /^\d{12}$/],
  ["region", /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/],
  ["resource id", /^([a-z]{1,6}-[0-9a-f]{8,17}|eipalloc-[0-9a-f]{8,17}|eni-attach-[0-9a-f]{8,17}|[0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-f:]{3,39})$/],
  ["access key id", /^(AKIA|ASIA)[A-Z0-9]{12,124}$/],
  ["user name", /^[\w+=,.@-]{1,64}$/],
  ["session name", /^[\w+=,.@-]{2,64}$/],
  ["event name", /^[A-Za-z0-9]{1,128}$/],
  ["time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/],
];

export class UnsafeSqlValue extends Error {
  constructor(
    readonly kind: string,
    readonly value: string,
  ) {
    super(`${kind} ${JSON.stringify(value.slice(0, 80))} does not have the shape AWS gives it; it is not put in a query`);
  }
}

function checked(kind: string, value: string): string {
  const re = SHAPES.find(([k]) => k === kind)?.[1];
  if (!re || !re.test(value)) throw new UnsafeSqlValue(kind, value);
  return value;
}

/** A SQL string literal (the shapes above already exclude quotes; doubling them keeps it safe on its own). */
export function lit(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A LIKE pattern matching `value` anywhere, with LIKE's own wildcards escaped ('\' is the escape on both engines). */
function containsPattern(value: string): string {
  return `${lit(`%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)} ESCAPE '\\'`;
}

function prefixPattern(value: string): string {
  return `${lit(`${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)} ESCAPE '\\'`;
}

/** arn:aws:iam::ACCOUNT:role/PATH/NAME -> arn:aws:sts::ACCOUNT:assumed-role/NAME/ (what its sessions' ARNs start with); UnsafeSqlValue for anything else. */
export function assumedRolePrefix(roleArn: string): string {
  const m = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/.exec(roleArn);
  if (!m) throw new UnsafeSqlValue("role ARN", roleArn);
  return `arn:${m[1]}:sts::${m[2]}:assumed-role/${m[3]}/`;
}

function suffixPattern(value: string): string {
  return `${lit(`%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}`)} ESCAPE '\\'`;
}

const inList = (column: string, kind: string, values: string[]) => `${column} IN (${values.map((v) => lit(checked(kind, v))).join(", ")})`;

/** 'YYYY/MM/DD' of each UTC day from start to end. */
export function daysOf(start: string, end: string): string[] {
  const out: string[] = [];
  const d = new Date(`${start.slice(0, 10)}T00:00:00Z`);
  const last = new Date(`${end.slice(0, 10)}T00:00:00Z`).getTime();
  while (d.getTime() <= last && out.length < 3660) {
    out.push(d.toISOString().slice(0, 10).replace(/-/g, "/"));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

/** CloudTrail writes eventTime as whole seconds ('2026-12-07T10:00:00Z'); comparing strings of that form compares times. */
const trailTime = (iso: string) => new Date(checked("time", iso)).toISOString().slice(0, 19) + "Z";

/** The columns the query returns (the same on both engines: strings, or null). */
export const TRAIL_COLUMNS = [
  "eventid",
  "eventtime",
  "eventsource",
  "eventname",
  "awsregion",
  "sourceipaddress",
  "useragent",
  "errorcode",
  "identity_type",
  "identity_arn",
  "identity_principalid",
  "identity_accountid",
  "identity_accesskeyid",
  "identity_username",
  "identity_invokedby",
  "requestparameters",
  "responseelements",
  "vpcendpointid",
  "recipientaccountid",
  "aws_account_id",
] as const;

/**
 * The query: the events of the window in the needed partitions that name one of the resources, or
 * were made with one of the keys, by one of the users, or by one of the role sessions. Throws
 * UnsafeSqlValue when a value does not have its AWS shape.
 */
export function trailQuerySql(q: TrailSqlQuery): string {
  if (q.accounts.length === 0 || q.regions.length === 0) throw new Error("a trail query needs at least one account and one region");
  // A file lands in the folder of its delivery day: events of the window's last minutes may be in the next day's folder.
  const days = daysOf(q.start, new Date(Date.parse(q.end) + DELIVERY_SLACK_MS).toISOString());
  const who: string[] = [];
  if (q.resourceIds.length > 0) {
    const named = q.resourceIds.map((id) => checked("resource id", id)).flatMap((id) => [`requestparameters LIKE ${containsPattern(id)}`, `responseelements LIKE ${containsPattern(id)}`]);
    const names = q.eventNames && q.eventNames.length > 0 ? `${inList("eventname", "event name", q.eventNames)} AND ` : "";
    who.push(`(${names}(${named.join("\n      OR ")}))`);
  }
  if (q.accessKeyIds.length > 0) who.push(inList("useridentity.accesskeyid", "access key id", q.accessKeyIds));
  if (q.userNames.length > 0) who.push(inList("useridentity.username", "user name", q.userNames));
  for (const arn of q.roleArns ?? []) who.push(`(useridentity.type = 'AssumedRole' AND useridentity.arn LIKE ${prefixPattern(assumedRolePrefix(arn))})`);
  for (const s of q.sessionNames) who.push(`(useridentity.type = 'AssumedRole' AND useridentity.principalid LIKE ${suffixPattern(`:${checked("session name", s)}`)})`);
  if (who.length === 0) throw new Error("a trail query needs at least one resource or principal");
  return [
    `SELECT eventid, eventtime, eventsource, eventname, awsregion, sourceipaddress, useragent, errorcode,`,
    `  useridentity.type AS identity_type, useridentity.arn AS identity_arn, useridentity.principalid AS identity_principalid,`,
    `  useridentity.accountid AS identity_accountid, useridentity.accesskeyid AS identity_accesskeyid,`,
    `  useridentity.username AS identity_username, useridentity.invokedby AS identity_invokedby,`,
    `  requestparameters, responseelements, vpcendpointid, recipientaccountid, aws_account_id`,
    `FROM ${TRAIL_TABLE}`,
    `WHERE ${inList("aws_account_id", "account", q.accounts)}`,
    `  AND ${inList("aws_region", "region", q.regions)}`,
    `  AND dt IN (${days.map(lit).join(", ")})`,
    `  AND eventtime >= ${lit(trailTime(q.start))} AND eventtime <= ${lit(trailTime(q.end))}`,
    `  AND (${who.join("\n    OR ")})`,
    `ORDER BY eventtime, eventid`,
  ].join("\n");
}

/** Where the trail delivers an account's files for a region: [prefix/]AWSLogs/[o-id/]ACCOUNT/CloudTrail/REGION/. */
export function trailRegionPrefix(loc: TrailLogLocation, accountId: string, region: string): string {
  const base = loc.prefix ? `${loc.prefix.replace(/^\/+|\/+$/g, "")}/` : "";
  const org = loc.organizationId ? `${loc.organizationId}/` : "";
  return `${base}AWSLogs/${org}${checked("account", accountId)}/CloudTrail/${checked("region", region)}/`;
}

/** A trail log file's key carries its delivery time: ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz. */
export function deliveryTimeOf(key: string): number | null {
  const m = /_CloudTrail_[a-z0-9-]+_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[A-Za-z0-9]+\.json\.gz$/.exec(key);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!) : null;
}

/** CloudTrail delivers an event within about 15 minutes (typically 5); a file delivered this long after the window's end cannot hold its events. */
export const DELIVERY_SLACK_MS = 60 * 60_000;

/** Whether a file (by its key's delivery time) can hold events of the window; a key of another form is kept. */
export function fileMayHoldWindow(key: string, start: string, end: string): boolean {
  const t = deliveryTimeOf(key);
  if (t === null) return key.endsWith(".json.gz");
  return t >= Date.parse(start) && t <= Date.parse(end) + DELIVERY_SLACK_MS;
}
