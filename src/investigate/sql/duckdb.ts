/**
 * DuckDB over local log files: the views `vpc_flow_logs` and `cloudtrail_logs` (./tables.ts) over
 * files downloaded with the port's getObject, so the SQL written for Athena runs here unchanged.
 * Compression is recognised by the file name (.gz): keep the S3 key's name when downloading.
 *
 * What the bundled DuckDB reads without extensions (checked against @duckdb/node-api 1.5): gzip CSV
 * (the text flow logs), JSON (CloudTrail's {"Records":[...]}) and Parquet are built in; httpfs is
 * not, and extension auto-install and auto-load are switched off, so DuckDB never downloads code or
 * reaches the network: S3 objects come through the port. Memory is bounded (memory_limit) and
 * spills go to a directory inside the investigation's work directory.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { plainValue, type SqlEngine } from "./engine.ts";
import { FLOW_FIELDS, parseLogFormat, type FlowField } from "./tables.ts";

export interface DuckDbOptions {
  /** The investigation's private scratch directory: DuckDB spills into `<workDir>/duckdb-tmp`. */
  workDir: string;
  /** DuckDB's memory_limit (default 512MB). */
  memoryLimit?: string;
  threads?: number;
  /** The largest CloudTrail log file (uncompressed JSON) read (default 64 MiB; DuckDB needs twice that in memory while parsing). */
  maxJsonBytes?: number;
}

/** A flow log file on disk with the partition it came from (read from its S3 key). */
export interface FlowLogFile {
  path: string;
  fileFormat: "plain-text" | "parquet";
  /** The flow log's format line (text files are read by it: their header line is skipped). */
  logFormat: string;
  accountId: string;
  region: string;
  /** yyyy/MM/dd or yyyy/MM/dd/HH. */
  dt: string;
}

export interface TrailLogFile {
  path: string;
  accountId: string;
  region: string;
  /** yyyy/MM/dd */
  dt: string;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const duckType = (t: FlowField["type"]) => (t === "int" ? "INTEGER" : t === "bigint" ? "BIGINT" : "VARCHAR");

export class DuckDbEngine implements SqlEngine {
  readonly kind = "duckdb" as const;
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly maxJsonBytes: number,
  ) {}

  static async open(opts: DuckDbOptions): Promise<DuckDbEngine> {
    const tmp = join(opts.workDir, "duckdb-tmp");
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    const instance = await DuckDBInstance.create(":memory:", {
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      memory_limit: opts.memoryLimit ?? "512MB",
      temp_directory: tmp,
      ...(opts.threads ? { threads: String(opts.threads) } : {}),
    });
    const conn = await instance.connect();
    return new DuckDbEngine(instance, conn, opts.maxJsonBytes ?? 64 * 1024 * 1024);
  }

  /** (Re)creates the view `vpc_flow_logs` (or `view`) over these files: every column of versions 2-5, NULL where a file's format lacks it. */
  async registerFlowLogs(files: FlowLogFile[], view = "vpc_flow_logs"): Promise<void> {
    if (!/^[a-z_][a-z0-9_]{0,127}$/.test(view)) throw new Error(`not a view name: ${view.slice(0, 60)}`);
    const cols = (present: Map<string, string>) =>
      [...FLOW_FIELDS.map((x) => `${present.get(x.column) ?? `CAST(NULL AS ${duckType(x.type)})`} AS "${x.column}"`), `p.aws_account_id`, `p.aws_region`, `p.dt`].join(", ");
    await this.conn.run("CREATE OR REPLACE TEMP TABLE flow_files (path VARCHAR, aws_account_id VARCHAR, aws_region VARCHAR, dt VARCHAR)");
    if (files.length > 0) {
      await this.conn.run(`INSERT INTO flow_files VALUES ${files.map((f) => `(${[f.path, f.accountId, f.region, f.dt].map(sqlString).join(", ")})`).join(", ")}`);
    }
    const parts: string[] = [];
    // One scan per (format, file format): each group's columns are known.
    const groups = new Map<string, FlowLogFile[]>();
    for (const f of files) {
      const k = `${f.fileFormat}|${f.logFormat}`;
      groups.set(k, [...(groups.get(k) ?? []), f]);
    }
    for (const group of groups.values()) {
      const first = group[0]!;
      const fields = parseLogFormat(first.logFormat);
      const list = `[${group.map((f) => sqlString(f.path)).join(", ")}]`;
      if (first.fileFormat === "parquet") {
        // Parquet files carry their own schema: the columns they have are read, by name.
        const has = new Set((await this.conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${list}, union_by_name = true)`)).getRowObjectsJS().map((r) => String(r.column_name)));
        const present = new Map(fields.filter((x) => has.has(x.column)).map((x) => [x.column, `CAST(t."${x.column}" AS ${duckType(BYCOL.get(x.column)?.type ?? "string")})`]));
        parts.push(`SELECT ${cols(present)} FROM read_parquet(${list}, filename = true, union_by_name = true) t JOIN flow_files p ON p.path = t.filename`);
      } else {
        const columns = `{${fields.map((x) => `${sqlString(x.column)}: ${sqlString(duckType(x.type))}`).join(", ")}}`;
        const present = new Map(fields.map((x) => [x.column, `t."${x.column}"`]));
        parts.push(
          `SELECT ${cols(present)} FROM read_csv(${list}, delim = ' ', header = true, nullstr = '-', columns = ${columns}, filename = true, auto_detect = false, strict_mode = false, null_padding = true) t JOIN flow_files p ON p.path = t.filename`,
        );
      }
    }
    if (parts.length === 0) parts.push(`SELECT ${cols(new Map())} FROM flow_files p WHERE false`);
    await this.conn.run(`CREATE OR REPLACE TEMP VIEW ${view} AS ${parts.join("\nUNION ALL\n")}`);
  }

  /** (Re)creates the view `cloudtrail_logs` over CloudTrail log files ({"Records":[...]}, gzip or not). */
  async registerCloudTrail(files: TrailLogFile[]): Promise<void> {
    await this.conn.run("CREATE OR REPLACE TEMP TABLE trail_files (path VARCHAR, aws_account_id VARCHAR, aws_region VARCHAR, dt VARCHAR)");
    if (files.length === 0) {
      await this.conn.run(`CREATE OR REPLACE TEMP VIEW cloudtrail_logs AS SELECT ${TRAIL_SELECT.replace(/\br\b/g, "CAST(NULL AS JSON)")} , p.aws_account_id, p.aws_region, p.dt FROM trail_files p WHERE false`);
      return;
    }
    await this.conn.run(`INSERT INTO trail_files VALUES ${files.map((f) => `(${[f.path, f.accountId, f.region, f.dt].map(sqlString).join(", ")})`).join(", ")}`);
    const list = `[${files.map((f) => sqlString(f.path)).join(", ")}]`;
    await this.conn.run(
      `CREATE OR REPLACE TEMP VIEW cloudtrail_logs AS
       WITH recs AS (SELECT unnest(t."Records") AS r, t.filename FROM read_json(${list}, columns = {'Records': 'JSON[]'}, format = 'auto', filename = true, maximum_object_size = ${this.maxJsonBytes}) t)
       SELECT ${TRAIL_SELECT}, p.aws_account_id, p.aws_region, p.dt FROM recs JOIN trail_files p ON p.path = recs.filename`,
    );
  }

  async *query(sql: string): AsyncIterable<Record<string, unknown>[]> {
    const result = await this.conn.stream(sql);
    for await (const rows of result.yieldRowObjectJs()) {
      if (rows.length > 0) yield rows.map((r) => plainValue(r) as Record<string, unknown>);
    }
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

const BYCOL = new Map(FLOW_FIELDS.map((x) => [x.column, x]));

const s = (path: string) => `r->>'${path}'`;
const json = (path: string) => `CAST(r->'${path}' AS VARCHAR)`;

/** The CloudTrail record as the Athena table's columns (./tables.ts TRAIL_COLUMNS). */
const TRAIL_SELECT = [
  `${s("$.eventVersion")} AS eventversion`,
  `struct_pack(type := ${s("$.userIdentity.type")}, principalid := ${s("$.userIdentity.principalId")}, arn := ${s("$.userIdentity.arn")}, accountid := ${s("$.userIdentity.accountId")}, invokedby := ${s("$.userIdentity.invokedBy")}, accesskeyid := ${s("$.userIdentity.accessKeyId")}, username := ${s("$.userIdentity.userName")}, sessioncontext := struct_pack(attributes := struct_pack(mfaauthenticated := ${s("$.userIdentity.sessionContext.attributes.mfaAuthenticated")}, creationdate := ${s("$.userIdentity.sessionContext.attributes.creationDate")}), sessionissuer := struct_pack(type := ${s("$.userIdentity.sessionContext.sessionIssuer.type")}, principalid := ${s("$.userIdentity.sessionContext.sessionIssuer.principalId")}, arn := ${s("$.userIdentity.sessionContext.sessionIssuer.arn")}, accountid := ${s("$.userIdentity.sessionContext.sessionIssuer.accountId")}, username := ${s("$.userIdentity.sessionContext.sessionIssuer.userName")}), sourceidentity := ${s("$.userIdentity.sessionContext.sourceIdentity")})) AS useridentity`,
  `${s("$.eventTime")} AS eventtime`,
  `${s("$.eventSource")} AS eventsource`,
  `${s("$.eventName")} AS eventname`,
  `${s("$.awsRegion")} AS awsregion`,
  `${s("$.sourceIPAddress")} AS sourceipaddress`,
  `${s("$.userAgent")} AS useragent`,
  `${s("$.errorCode")} AS errorcode`,
  `${s("$.errorMessage")} AS errormessage`,
  `${json("$.requestParameters")} AS requestparameters`,
  `${json("$.responseElements")} AS responseelements`,
  `${json("$.additionalEventData")} AS additionaleventdata`,
  `${s("$.requestID")} AS requestid`,
  `${s("$.eventID")} AS eventid`,
  `${s("$.readOnly")} AS readonly`,
  `CAST(json_transform(r->'$.resources', '[{"ARN":"VARCHAR","accountId":"VARCHAR","type":"VARCHAR"}]') AS STRUCT(arn VARCHAR, accountid VARCHAR, type VARCHAR)[]) AS resources`,
  `${s("$.eventType")} AS eventtype`,
  `${s("$.apiVersion")} AS apiversion`,
  `${s("$.recipientAccountId")} AS recipientaccountid`,
  `${json("$.serviceEventDetails")} AS serviceeventdetails`,
  `${s("$.sharedEventID")} AS sharedeventid`,
  `${s("$.vpcEndpointId")} AS vpcendpointid`,
  `${s("$.eventCategory")} AS eventcategory`,
  `${s("$.sessionCredentialFromConsole")} AS sessioncredentialfromconsole`,
].join(",\n  ");
