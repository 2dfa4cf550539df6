/**
 * The service under a steady load (issue 11): 100 notices a minute for 3 minutes, half sent with
 * nodemailer to the SMTP listener (`intake.smtp`, on a loopback port) and half appended to a real
 * dovecot mailbox (test/helpers/dovecot.ts: Debian's dovecot on a throwaway config) read by the
 * IMAP source (`intake.imap`, IDLE, processed messages moved). Both sources are configured through
 * the service's own `intake:` section (serveSettings -> the source registry), so the measured path
 * is the one `abuse-desk serve` runs. Each notice is a different AWS case signed as the drill signs
 * (authentic against the drill's DNS answers), processed on SQLite with the bundled simulated
 * account answering every call after L ms (the injected latency) and the drill's policy applying
 * its automatic steps.
 *
 * Figure: p95 from the notice's arrival (the moment the bench starts sending it over SMTP or
 * appending it to dovecot) to its case with a plan stored, with 0 lost (every notice cased) and 0
 * duplicated (one notice, one plan per case). Baseline, same notices on the same machine:
 * `abuse-desk intake FILE --account sim` then `abuse-desk plan CASE` run one file at a time (a
 * process each, as a cron job or a person would), without injected latency.
 *
 * ABUSE_DESK_BENCH_SERVE_SECONDS shortens the run for a quick check (default 180).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import nodemailer from "nodemailer";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bench, Figure } from "./harness.ts";
import { SimAccount, validateEstate } from "../src/cloud/sim/index.ts";
import { sampleEstate } from "../src/cloud/sim/generate.ts";
import { openService } from "../src/serve/index.ts";
import { serveSettings } from "../src/serve/config.ts";
import { createLogger } from "../src/serve/log.ts";
import type { SqlCaseStore } from "../src/case/store.ts";
import { DnsCache } from "../src/verify/dns.ts";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort, startDovecot } from "../test/helpers/dovecot.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const L = 20;
const PER_MINUTE = 100;

/** Every instance of the sample estate: each notice names another (a different case), until they run out. */
function instances(): { account: string; region: string; id: string }[] {
  const out: { account: string; region: string; id: string }[] = [];
  for (const acc of sampleEstate().accounts) for (const [region, r] of Object.entries(acc.regions ?? {})) for (const i of r.instances ?? []) out.push({ account: String(acc.accountId), region, id: i.instanceId });
  return out;
}

async function signed(n: number, now: Date, target: { account: string; region: string; id: string }): Promise<Buffer> {
  const { dkimSign } = await import("mailauth/lib/dkim/sign.js");
  const template = readFileSync(join(ROOT, "fixtures/drill/notice.eml.template"), "utf8");
  const received = new Date(now.getTime() - 5 * 60_000);
  const end = new Date(received.getTime() - 40 * 60_000);
  const begin = new Date(end.getTime() - 31 * 60_000);
  const awsTime = (d: Date) => d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  const values: Record<string, string> = { date: received.toUTCString().replace("GMT", "+0000"), messageId: `bench-${n}-${now.getTime()}`, begin: awsTime(begin), end: awsTime(end) };
  const text = template
    .replace(/31415926535/g, `27${String(n).padStart(9, "0")}`)
    .replace(/ \[198\.51\.100\.23\]/g, "")
    .replace(/i-0a1b2c3d4e5f67890/g, target.id)
    .replace(/111122223333/g, target.account)
    .replace(/eu-west-1/g, target.region)
    .replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k] ?? "")
    .replace(/\r?\n/g, "\r\n");
  const out = (await dkimSign(text, {
    signTime: received,
    signatureData: [{ signingDomain: "amazon.com", selector: "abusedesk-drill", privateKey: readFileSync(join(ROOT, "fixtures/drill/dkim.pem"), "utf8") }],
  } as never)) as { signatures: string };
  return Buffer.from(out.signatures + text);
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

const bench: Bench = {
  name: "serve",
  async run(log) {
    const seconds = Number(process.env.ABUSE_DESK_BENCH_SERVE_SECONDS ?? 180);
    const total = Math.max(1, Math.round((seconds / 60) * PER_MINUTE));
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-bench-serve-"));
    const dns = DnsCache.parse(readFileSync(join(ROOT, "fixtures/drill/dns.json"), "utf8"), { missCode: "ENOTFOUND" });
    const port = new SimAccount(validateEstate(sampleEstate(), "sample"), { latencyMs: L });
    const dovecot = await startDovecot();
    const smtpPort = await freePort();
    const settings = serveSettings(
      {
        path: null,
        data: {
          intake: {
            policy: join(ROOT, "fixtures/drill/policy.yaml"),
            http: false,
            workers: 4,
            smtp: { host: "127.0.0.1", port: smtpPort },
            imap: { host: dovecot.host, port: dovecot.port, tls: "none", user: dovecot.user, pass: "env:BENCH_IMAP_PASS", mailbox: "INBOX", idle: true },
          },
        },
      },
      { BENCH_IMAP_PASS: dovecot.pass },
    );
    /** When each notice (by its number) started on its way: the send or the append. */
    const sentAt = new Map<number, number>();
    const toPlan: number[] = [];
    const bySource = new Map<string, number[]>();
    const unmatched: string[] = [];
    const opened = await openService({
      home,
      env: { ABUSE_DESK_HOME: home, BENCH_IMAP_PASS: dovecot.pass },
      settings,
      port,
      notify: null,
      verifyOptions: { resolver: dns.resolve },
      log: createLogger({ level: "silent" }),
      hooks: {
        afterStage: (stage, a) => {
          if (stage !== "planned") return;
          const m = /bench-(\d+)-\d+@/.exec(a.raw.subarray(0, 8192).toString("latin1"));
          const at = m ? sentAt.get(Number(m[1])) : undefined;
          if (at !== undefined) {
            const ms = performance.now() - at;
            toPlan.push(ms);
            bySource.set(a.source, [...(bySource.get(a.source) ?? []), ms]);
          } else unmatched.push(a.source);
        },
      },
    });
    const targets = instances();
    const notices = await Promise.all(Array.from({ length: total }, (_, i) => signed(i + 1, new Date(), targets[i % targets.length]!)));
    log(`${total} notices over ${seconds} s (${PER_MINUTE}/min), odd ones sent to the SMTP listener, even ones appended to dovecot (IMAP, IDLE); simulated account, ${L} ms per call; 4 workers; SQLite`);
    const ac = new AbortController();
    const running = opened.service.run(ac.signal);
    // Both sources listening / logged in before the clock starts.
    for (let i = 0; i < 200 && !opened.service.sourceHealth().every((h) => h.state === "ok"); i++) await new Promise((r) => setTimeout(r, 50));
    const smtp = nodemailer.createTransport({ host: "127.0.0.1", port: smtpPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 5 } as Parameters<typeof nodemailer.createTransport>[0]);
    const envelope = { from: "abuse@amazonaws.com", to: ["abuse-notices@example.com"] };
    const sends: Promise<unknown>[] = [];
    const sendErrors: string[] = [];
    let viaSmtp = 0;
    let viaImap = 0;
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 60_000) / PER_MINUTE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const n = i + 1;
      sentAt.set(n, performance.now());
      if (n % 2 === 1) {
        viaSmtp++;
        sends.push(smtp.sendMail({ envelope, raw: notices[i]! }).catch((e: unknown) => sendErrors.push(`smtp #${n}: ${(e as Error).message}`)));
      } else {
        viaImap++;
        sends.push(dovecot.append(notices[i]!).catch((e: unknown) => sendErrors.push(`imap #${n}: ${(e as Error).message}`)));
      }
    }
    await Promise.all(sends);
    smtp.close();
    // let the last ones through (bounded)
    const deadline = performance.now() + 120_000;
    while (toPlan.length + unmatched.length < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    ac.abort();
    await running;
    const store = opened.store as SqlCaseStore;
    const cases = [];
    for (let after: string | null = null; ; ) {
      const page = await store.listCases({ all: true }, { limit: 1000, after });
      cases.push(...page.items);
      if (!page.next) break;
      after = page.next;
    }
    const notices2 = (await Promise.all(cases.map((c) => store.notices(c.id)))).flat();
    const plans = (await Promise.all(cases.map((c) => store.plansForCase(c.id)))).flat();
    const lost = total - notices2.length;
    const duplicated = notices2.length - new Set(notices2.map((n) => n.notice.messageId)).size + Math.max(0, plans.length - cases.length);
    const p95 = pct(toPlan, 95);
    log(`service: ${toPlan.length} planned; p50 ${pct(toPlan, 50).toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, max ${Math.max(...toPlan).toFixed(0)} ms; ${cases.length} cases, ${plans.length} plans; lost ${lost}, duplicated ${duplicated}`);
    for (const [name, xs] of bySource) log(`  via ${name}: ${xs.length} planned; p50 ${pct(xs, 50).toFixed(0)} ms, p95 ${pct(xs, 95).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms`);
    const left = await dovecot.list("INBOX");
    log(`sent ${viaSmtp} by SMTP, appended ${viaImap} to dovecot; ${sendErrors.length} refused${sendErrors.length ? ` (${sendErrors.slice(0, 3).join("; ")})` : ""}; ${left.length} left unprocessed in INBOX; ${unmatched.length} planned arrivals not matched to a sent notice`);
    await opened.close();
    await dovecot.close();

    // Baseline: the CLI, one file at a time (intake, then plan), on a sample of the same notices.
    const k = Math.min(10, total);
    const bhome = mkdtempSync(join(tmpdir(), "abuse-desk-bench-intake-"));
    const env = { ...process.env, ABUSE_DESK_HOME: bhome, DATABASE_URL: "", NODE_OPTIONS: "" };
    const cli = join(ROOT, "bin/abuse-desk.js");
    const dnsFlags = ["--offline", "--dns-cache", join(ROOT, "fixtures/drill/dns.json")];
    const perFile: number[] = [];
    for (let i = 0; i < k; i++) {
      const f = join(bhome, `n${i + 1}.eml`);
      writeFileSync(f, notices[i]!);
      const t = performance.now();
      const out = execFileSync(process.execPath, [cli, "intake", f, "--account", "sim", "--json", ...dnsFlags], { env, encoding: "utf8" });
      const caseId = (JSON.parse(out) as { items: { case: { id: string } }[] }).items[0]!.case.id;
      execFileSync(process.execPath, [cli, "plan", caseId, "--account", "sim", "--policy", join(ROOT, "fixtures/drill/policy.yaml"), "--json"], { env, encoding: "utf8" });
      perFile.push(performance.now() - t);
    }
    const base95 = pct(perFile, 95);
    log(`baseline: abuse-desk intake + plan, one file at a time, ${k} files: p50 ${pct(perFile, 50).toFixed(0)} ms, p95 ${base95.toFixed(0)} ms each (no injected latency); ${(60_000 / pct(perFile, 50)).toFixed(0)} notices/min at most`);

    const figures: Figure[] = [
      {
        name: `serve: p95 arrival -> case with plan stored (${total} notices at ${PER_MINUTE}/min, half SMTP half IMAP, ${L} ms per AWS call)`,
        value: p95,
        unit: "ms",
        baseline: { name: "abuse-desk intake + plan, one file at a time", value: base95 },
        better: "lower",
        target: { text: "< 2000 ms, 0 lost, 0 duplicated", met: p95 < 2000 && lost === 0 && duplicated === 0 && toPlan.length === total && sendErrors.length === 0 && unmatched.length === 0 },
      },
    ];
    return figures;
  },
};

export default bench;
