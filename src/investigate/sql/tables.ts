/**
 * The two tables every engine answers with the same names and columns, so one SQL text runs on
 * DuckDB (local files) and on Athena (the logs where they lie):
 *
 * - `vpc_flow_logs`: AWS's documented Athena columns for VPC flow logs (every field of versions
 *   2 to 5; a field the flow log's format lacks is NULL), plus the partition columns
 *   `aws_account_id`, `aws_region` and `dt` (yyyy/MM/dd, or yyyy/MM/dd/HH for hourly partitions).
 * - `cloudtrail_logs`: AWS's documented Athena columns for CloudTrail (userIdentity and resources as
 *   structures, requestParameters / responseElements / additionalEventData as JSON text), plus
 *   `aws_account_id`, `aws_region` and `dt` (yyyy/MM/dd).
 *
 * The Athena DDL is generated here with partition projection (no MSCK REPAIR, no Glue crawler).
 */

/** A flow log field as the format names it (`tcp-flags`), its column (`tcp_flags`) and its type. */
export interface FlowField {
  field: string;
  column: string;
  type: "int" | "bigint" | "string";
  version: 2 | 3 | 4 | 5;
}

const f = (field: string, type: FlowField["type"], version: FlowField["version"]): FlowField => ({ field, column: field.replace(/-/g, "_"), type, version });

/** Every field of flow log versions 2 to 5, in AWS's order. */
export const FLOW_FIELDS: readonly FlowField[] = [
  f("version", "int", 2),
  f("account-id", "string", 2),
  f("interface-id", "string", 2),
  f("srcaddr", "string", 2),
  f("dstaddr", "string", 2),
  f("srcport", "int", 2),
  f("dstport", "int", 2),
  f("protocol", "bigint", 2),
  f("packets", "bigint", 2),
  f("bytes", "bigint", 2),
  f("start", "bigint", 2),
  f("end", "bigint", 2),
  f("action", "string", 2),
  f("log-status", "string", 2),
  f("vpc-id", "string", 3),
  f("subnet-id", "string", 3),
  f("instance-id", "string", 3),
  f("tcp-flags", "int", 3),
  f("type", "string", 3),
  f("pkt-srcaddr", "string", 3),
  f("pkt-dstaddr", "string", 3),
  f("region", "string", 4),
  f("az-id", "string", 4),
  f("sublocation-type", "string", 4),
  f("sublocation-id", "string", 4),
  f("pkt-src-aws-service", "string", 5),
  f("pkt-dst-aws-service", "string", 5),
  f("flow-direction", "string", 5),
  f("traffic-path", "int", 5),
];

const BY_FIELD = new Map(FLOW_FIELDS.map((x) => [x.field, x]));

/** `${version} ${srcaddr} ...` -> the fields in order. Unknown fields (later versions) are kept as strings. */
export function parseLogFormat(format: string): FlowField[] {
  const names = [...format.matchAll(/\$\{([a-z0-9-]+)\}/g)].map((m) => m[1]!);
  if (names.length === 0) throw new Error(`not a flow log format: ${format.slice(0, 120)}`);
  return names.map((n) => BY_FIELD.get(n) ?? { field: n, column: n.replace(/-/g, "_"), type: "string", version: 5 });
}

export const FLOW_PARTITIONS = ["aws_account_id", "aws_region", "dt"] as const;
export const TRAIL_PARTITIONS = ["aws_account_id", "aws_region", "dt"] as const;

/** Identifiers both engines accept without quoting trouble: `end` is reserved in both. */
export function quoteColumn(c: string): string {
  return /^(end|start|type|region|version|action|protocol|bytes)$/.test(c) ? `"${c}"` : c;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

function assertS3Part(v: string, what: string): void {
  if (!/^[\w.\-/=]*$/.test(v)) throw new Error(`${what} has characters a table location cannot hold: ${v}`);
}
function assertIds(ids: string[], re: RegExp, what: string): void {
  if (ids.length === 0) throw new Error(`the table needs at least one ${what}`);
  for (const id of ids) if (!re.test(id)) throw new Error(`not ${what}: ${id}`);
}

export interface FlowTableSpec {
  table?: string;
  bucket: string;
  /** The flow log's prefix before AWSLogs/ ("" for none). */
  prefix: string;
  accounts: string[];
  regions: string[];
  fileFormat: "plain-text" | "parquet";
  perHourPartition: boolean;
  hiveCompatiblePartitions: boolean;
  /** The first date logs exist for (yyyy/MM/dd). */
  since: string;
}

/**
 * CREATE EXTERNAL TABLE for flow logs delivered to S3, with partition projection over account,
 * region and day (or hour). Text files are read positionally: the table's columns are the default
 * (version 2) fields first, so a custom format needs its own table (columns in its order): pass
 * `fields`. Hive-compatible prefixes are refused: the projection below maps only AWS's default layout.
 */
export function flowLogsDdl(spec: FlowTableSpec, fields: readonly FlowField[] = FLOW_FIELDS): string {
  if (spec.hiveCompatiblePartitions) throw new Error("Athena tables are generated for the default S3 layout only; a flow log with Hive-compatible partitions is read with the local engine");
  assertS3Part(spec.bucket, "the bucket");
  assertS3Part(spec.prefix, "the prefix");
  assertIds(spec.accounts, /^\d{12}$/, "an account id");
  assertIds(spec.regions, /^[a-z]{2,4}(-[a-z]+){1,3}-\d+$/, "a region");
  if (!/^\d{4}\/\d{2}\/\d{2}$/.test(spec.since)) throw new Error(`since must be yyyy/MM/dd, not ${spec.since}`);
  const table = spec.table ?? "vpc_flow_logs";
  if (!/^\w+$/.test(table)) throw new Error(`not a table name: ${table}`);
  const hourly = spec.perHourPartition;
  const base = `s3://${spec.bucket}/${spec.prefix ? `${spec.prefix}/` : ""}AWSLogs`;
  const cols = fields.map((x) => `  \`${x.column}\` ${x.type}`).join(",\n");
  const storage = spec.fileFormat === "parquet" ? "STORED AS PARQUET" : "ROW FORMAT DELIMITED\nFIELDS TERMINATED BY ' '";
  const props = [
    ...(spec.fileFormat === "parquet" ? [] : [`'skip.header.line.count'='1'`, `'serialization.null.format'='-'`]),
    `'projection.enabled'='true'`,
    `'projection.aws_account_id.type'='enum'`,
    `'projection.aws_account_id.values'=${sqlString(spec.accounts.join(","))}`,
    `'projection.aws_region.type'='enum'`,
    `'projection.aws_region.values'=${sqlString(spec.regions.join(","))}`,
    `'projection.dt.type'='date'`,
    `'projection.dt.format'='${hourly ? "yyyy/MM/dd/HH" : "yyyy/MM/dd"}'`,
    `'projection.dt.range'='${hourly ? `${spec.since}/00` : spec.since},NOW'`,
    `'projection.dt.interval'='1'`,
    `'projection.dt.interval.unit'='${hourly ? "HOURS" : "DAYS"}'`,
    `'storage.location.template'=${sqlString(`${base}/\${aws_account_id}/vpcflowlogs/\${aws_region}/\${dt}/`)}`,
  ];
  return `CREATE EXTERNAL TABLE IF NOT EXISTS \`${table}\` (\n${cols}\n)\nPARTITIONED BY (\`aws_account_id\` string, \`aws_region\` string, \`dt\` string)\n${storage}\nLOCATION ${sqlString(`${base}/`)}\nTBLPROPERTIES (\n  ${props.join(",\n  ")}\n)`;
}

/** The Athena table of one flow log (its bucket, prefix, format and layout never change). */
export function flowTableName(flowLogId: string): string {
  if (!/^fl-[0-9a-f]{8,17}$/.test(flowLogId)) throw new Error(`not a flow log id: ${flowLogId.slice(0, 60)}`);
  return `vpc_flow_logs_${flowLogId.replace(/-/g, "_")}`;
}

/**
 * The view the flow questions read, named after the flow logs it unites (so two investigations of
 * different flow logs never replace each other's view in a shared Athena database, and the same
 * flow logs always give the same name): the reader gives this name to DuckDB's view too, so both
 * engines run the same question text.
 */
export function flowViewName(flowLogIds: string[]): string {
  const ids = [...new Set(flowLogIds)].sort();
  for (const id of ids) flowTableName(id);
  let h = 0x811c9dc5;
  for (const c of ids.join(",")) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return `vpc_flow_logs_v${h.toString(16).padStart(8, "0")}`;
}

const athenaType = (t: FlowField["type"]) => (t === "int" ? "integer" : t === "bigint" ? "bigint" : "varchar");

/**
 * CREATE OR REPLACE VIEW over the flow logs' tables for Athena: every column of versions 2-5 in
 * FLOW_FIELDS' order (NULL where a table's format lacks it) and the partition columns, as DuckDB's
 * view over the downloaded files (./duckdb.ts registerFlowLogs).
 */
export function flowLogsViewSql(view: string, tables: { table: string; fields: readonly FlowField[] }[]): string {
  if (!/^[a-z_][a-z0-9_]{0,127}$/.test(view)) throw new Error(`not a view name: ${view}`);
  if (tables.length === 0) throw new Error("the view needs at least one table");
  const parts = tables.map(({ table, fields }) => {
    if (!/^\w+$/.test(table)) throw new Error(`not a table name: ${table}`);
    const has = new Set(fields.map((f) => f.column));
    const cols = FLOW_FIELDS.map((f) => (has.has(f.column) ? `"${f.column}"` : `CAST(NULL AS ${athenaType(f.type)}) AS "${f.column}"`));
    return `SELECT ${[...cols, "aws_account_id", "aws_region", "dt"].join(", ")} FROM ${table}`;
  });
  return `CREATE OR REPLACE VIEW ${view} AS\n${parts.join("\nUNION ALL\n")}`;
}

export interface TrailTableSpec {
  table?: string;
  bucket: string;
  prefix?: string;
  organizationId?: string;
  accounts: string[];
  regions: string[];
  since: string;
}

/** The CloudTrail columns, as AWS documents the Athena table (names lower case, as Athena keeps them). */
export const TRAIL_COLUMNS = `  eventversion string,
  useridentity struct<type:string, principalid:string, arn:string, accountid:string, invokedby:string, accesskeyid:string, username:string, sessioncontext:struct<attributes:struct<mfaauthenticated:string, creationdate:string>, sessionissuer:struct<type:string, principalid:string, arn:string, accountid:string, username:string>, sourceidentity:string>>,
  eventtime string,
  eventsource string,
  eventname string,
  awsregion string,
  sourceipaddress string,
  useragent string,
  errorcode string,
  errormessage string,
  requestparameters string,
  responseelements string,
  additionaleventdata string,
  requestid string,
  eventid string,
  readonly string,
  resources array<struct<arn:string, accountid:string, type:string>>,
  eventtype string,
  apiversion string,
  recipientaccountid string,
  serviceeventdetails string,
  sharedeventid string,
  vpcendpointid string,
  eventcategory string,
  sessioncredentialfromconsole string`;

/** CREATE EXTERNAL TABLE for a trail's log files (an organization trail when organizationId is given), projected over account, region and day. */
export function cloudTrailDdl(spec: TrailTableSpec): string {
  assertS3Part(spec.bucket, "the bucket");
  assertS3Part(spec.prefix ?? "", "the prefix");
  if (spec.organizationId !== undefined && !/^o-[a-z0-9]{10,32}$/.test(spec.organizationId)) throw new Error(`not an organization id: ${spec.organizationId}`);
  assertIds(spec.accounts, /^\d{12}$/, "an account id");
  assertIds(spec.regions, /^[a-z]{2,4}(-[a-z]+){1,3}-\d+$/, "a region");
  if (!/^\d{4}\/\d{2}\/\d{2}$/.test(spec.since)) throw new Error(`since must be yyyy/MM/dd, not ${spec.since}`);
  const table = spec.table ?? "cloudtrail_logs";
  if (!/^\w+$/.test(table)) throw new Error(`not a table name: ${table}`);
  const base = `s3://${spec.bucket}/${spec.prefix ? `${spec.prefix}/` : ""}AWSLogs/${spec.organizationId ? `${spec.organizationId}/` : ""}`;
  return `CREATE EXTERNAL TABLE IF NOT EXISTS \`${table}\` (
${TRAIL_COLUMNS}
)
PARTITIONED BY (\`aws_account_id\` string, \`aws_region\` string, \`dt\` string)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION ${sqlString(base)}
TBLPROPERTIES (
  'projection.enabled'='true',
  'projection.aws_account_id.type'='enum',
  'projection.aws_account_id.values'=${sqlString(spec.accounts.join(","))},
  'projection.aws_region.type'='enum',
  'projection.aws_region.values'=${sqlString(spec.regions.join(","))},
  'projection.dt.type'='date',
  'projection.dt.format'='yyyy/MM/dd',
  'projection.dt.range'='${spec.since},NOW',
  'projection.dt.interval'='1',
  'projection.dt.interval.unit'='DAYS',
  'storage.location.template'=${sqlString(`${base}\${aws_account_id}/CloudTrail/\${aws_region}/\${dt}/`)}
)`;
}
