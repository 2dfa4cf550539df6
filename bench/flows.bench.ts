/**
 * The scan-confirmation question over generated gzip VPC flow logs (default 2 GiB of .log.gz;
 * FLOWS_BENCH_MB for a quick run): abuse-desk's path (DuckDbEngine views + the scan SQL of
 * src/investigate/flows/queries.ts) against `zcat | awk` computing the same answer (target: at
 * least 10x faster), and against the bare DuckDB SQL written by hand over the same files (target:
 * at most 1.2x its time); peak RSS of this process under 1 GB.
 *
 * The files are generated once into a cache directory under os.tmpdir() (keyed by size) and reused.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { createGzip } from "node:zlib";
import { DEFAULT_FLOW_LOG_FORMAT } from "../src/cloud/port-logs.ts";
import { rng } from "../src/cloud/sim/flowgen.ts";
import { ask } from "../src/investigate/flows/index.ts";
import { DuckDbEngine } from "../src/investigate/sql/duckdb.ts";
import { allRows } from "../src/investigate/sql/engine.ts";
import type { Bench, Figure } from "./harness.ts";

const MB = Number(process.env.FLOWS_BENCH_MB ?? 2048);
const ENI = "eni-0bec0000000000001";
const IP = "10.0.0.1";
const START = Date.parse("2025-05-30T00:00:00Z") / 1000;
const HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

/** One file per five minutes: 200 ENIs' ordinary traffic, and the subject scanning port 22 (150 new addresses a minute). */
async function generate(dir: string, targetBytes: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const r = rng(2048);
  const enis = Array.from({ length: 200 }, (_, i) => `eni-0bec${String(i + 1).padStart(13, "0")}`);
  const ips = enis.map((_, i) => `10.0.${Math.floor((i + 1) / 250)}.${((i + 1) % 250) + 1}`);
  enis[0] = ENI;
  ips[0] = IP;
  let total = 0;
  for (let f = 0; total < targetBytes; f++) {
    const t0 = START + f * 300;
    const d = new Date((t0 + 300) * 1000);
    const name = `111122223333_vpcflowlogs_eu-west-1_fl-0bench000000001_${d.toISOString().slice(0, 16).replace(/[-:]/g, "")}Z_${String(f).padStart(8, "0")}.log.gz`;
    const path = join(dir, name);
    const gz = createGzip({ level: 6 });
    const out = createWriteStream(path);
    gz.pipe(out);
    gz.write(HEADER + "\n");
    // ~18 MB of gzip per file.
    for (let chunk = 0; chunk < 120; chunk++) {
      const lines: string[] = [];
      for (let i = 0; i < 6000; i++) {
        const m = Math.floor(r() * 5);
        const start = t0 + m * 60;
        const e = Math.floor(r() * 200);
        const scan = e === 0 && r() < 0.6;
        const dst = scan ? `${10 + (f % 200)}.${m}.${Math.floor(r() * 4)}.${Math.floor(r() * 250)}` : `${Math.floor(r() * 223) + 1}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`;
        const dport = scan ? 22 : [443, 80, 53, 123, 8080][Math.floor(r() * 5)]!;
        lines.push(`2 111122223333 ${enis[e]} ${ips[e]} ${dst} ${32768 + Math.floor(r() * 28000)} ${dport} 6 ${1 + Math.floor(r() * 40)} ${60 + Math.floor(r() * 60000)} ${start} ${start + 60} ${r() < 0.9 ? "ACCEPT" : "REJECT"} OK`);
      }
      if (!gz.write(lines.join("\n") + "\n")) await once(gz, "drain");
    }
    gz.end();
    await once(out, "close");
    total += statSync(path).size;
  }
  writeFileSync(join(dir, "complete"), String(total));
}

const AWK = `$3 == eni && $4 == ip && $11 >= s && $11 < e { m = $11 - $11 % 60; k = $7 SUBSEP m; if (!((k, $5) in seen)) { seen[k, $5] = 1; c[k]++ } }
END { best = 0; bk = ""; for (k in c) if (c[k] > best) { best = c[k]; bk = k } split(bk, p, SUBSEP); print p[1], p[2], best }`;

const bench: Bench = {
  name: `flow logs: the scan question over ${MB} MB of gzip flow logs`,
  async run(log) {
    const dir = join(tmpdir(), `abuse-desk-flows-bench-${MB}mb`);
    if (!existsSync(join(dir, "complete"))) {
      rmSync(dir, { recursive: true, force: true });
      log(`generating ${MB} MB of gzip flow logs into ${dir} (once; reused afterwards)`);
      const t = performance.now();
      await generate(dir, MB * 1024 * 1024);
      log(`generated in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    }
    const names = readdirSync(dir).filter((f) => f.endsWith(".log.gz")).sort();
    const bytes = names.reduce((a, f) => a + statSync(join(dir, f)).size, 0);
    log(`${names.length} files, ${(bytes / 1024 / 1024).toFixed(0)} MB`);
    const end = START + names.length * 300 + 600;
    const work = join(tmpdir(), `abuse-desk-flows-bench-work-${process.pid}`);
    mkdirSync(work, { recursive: true });
    const scope = { networkInterfaceIds: [ENI], ownIps: [IP], start: START, end, dts: ["2025/05/30"] };

    // abuse-desk: the views and the reader's own question.
    const t1 = performance.now();
    const db = await DuckDbEngine.open({ workDir: work, memoryLimit: "512MB" });
    await db.registerFlowLogs(names.map((f) => ({ path: join(dir, f), fileFormat: "plain-text", logFormat: DEFAULT_FLOW_LOG_FORMAT, accountId: "111122223333", region: "eu-west-1", dt: "2025/05/30" })));
    const ours = await ask(db, "scan", scope, { remoteIps: [], remotePorts: [] });
    await db.close();
    const oursMs = performance.now() - t1;
    const answer = `${ours.figures.port} ${ours.questions[0]!.rows[0]!.minute} ${ours.figures.maxDestinationsPerMinute}`;
    log(`abuse-desk: ${answer} in ${(oursMs / 1000).toFixed(1)} s`);

    // Bare DuckDB: the same question written by hand, straight over the files.
    const t2 = performance.now();
    const bare = await DuckDbEngine.open({ workDir: work, memoryLimit: "512MB" });
    const [b] = await allRows(
      bare,
      `SELECT dstport, start - start % 60 AS minute, count(DISTINCT dstaddr) AS destinations FROM read_csv('${dir}/*.log.gz', delim = ' ', header = true, nullstr = '-', auto_detect = false, columns = {'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR', 'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER', 'protocol': 'BIGINT', 'packets': 'BIGINT', 'bytes': 'BIGINT', 'start': 'BIGINT', 'end': 'BIGINT', 'action': 'VARCHAR', 'log_status': 'VARCHAR'}) WHERE interface_id = '${ENI}' AND srcaddr = '${IP}' AND start >= ${START} AND start < ${end} GROUP BY 1, 2 ORDER BY destinations DESC, minute ASC, dstport ASC LIMIT 1`,
    );
    await bare.close();
    const bareMs = performance.now() - t2;
    log(`bare DuckDB: ${b!.dstport} ${b!.minute} ${b!.destinations} in ${(bareMs / 1000).toFixed(1)} s`);

    // zcat | awk (mawk): the same answer.
    const t3 = performance.now();
    const sh = spawnSync("sh", ["-c", `cd '${dir}' && zcat *.log.gz | LC_ALL=C awk -v eni=${ENI} -v ip=${IP} -v s=${START} -v e=${end} '${AWK}'`], { encoding: "utf8", maxBuffer: 1 << 20 });
    const awkMs = performance.now() - t3;
    const awkAnswer = sh.stdout.trim();
    log(`zcat | awk: ${awkAnswer} in ${(awkMs / 1000).toFixed(1)} s`);
    rmSync(work, { recursive: true, force: true });

    const agree = Number(awkAnswer.split(" ")[2]) === ours.figures.maxDestinationsPerMinute && Number(b!.destinations) === ours.figures.maxDestinationsPerMinute;
    if (!agree) log(`ANSWERS DIFFER: abuse-desk ${answer}, bare ${b!.dstport} ${b!.minute} ${b!.destinations}, awk ${awkAnswer}`);
    const rssMb = process.resourceUsage().maxRSS / 1024;
    const figures: Figure[] = [
      { name: `scan question, abuse-desk vs zcat|awk (${(bytes / 1024 / 1024).toFixed(0)} MB gzip)`, value: oursMs / 1000, unit: "s", baseline: { name: "zcat | awk", value: awkMs / 1000 }, better: "lower", target: { text: ">= 10x faster than zcat | awk, same answer", met: agree && awkMs / oursMs >= 10 } },
      { name: "scan question, abuse-desk vs bare DuckDB SQL", value: oursMs / 1000, unit: "s", baseline: { name: "bare DuckDB SQL", value: bareMs / 1000 }, better: "lower", target: { text: "<= 1.2x the bare DuckDB SQL", met: agree && oursMs / bareMs <= 1.2 } },
      { name: "peak RSS of the process", value: rssMb, unit: "MB", better: "lower", target: { text: "< 1024 MB", met: rssMb < 1024 } },
    ];
    return figures;
  },
};

export default bench;
