/**
 * `abuse-desk doctor` on the simulated account with a complete setup (a real SMTP listener, a
 * loopback DNS server, a policy with examiners, a notification channel): every check ok, exit 0,
 * JSON of one shape. Then each failure injected on its own: the check names it with a fix, and
 * the command exits 78.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { runCli, tempHome } from "../helpers/cli.ts";
import { startSmtp, type Listener } from "../reply/smtp-listener.ts";
import { startDnsServer, type TestDnsServer } from "../verify/dns-server.ts";

const Output = z.strictObject({
  ok: z.boolean(),
  checks: z.array(z.strictObject({ id: z.string().min(1), status: z.enum(["ok", "warn", "fail"]), detail: z.string().min(1), fix: z.string().min(1).optional() })),
});

const home = tempHome("abuse-desk-doctor-");
let smtp: Listener;
let dns: TestDnsServer;
beforeEach(async () => {
  smtp = await startSmtp();
  dns = await startDnsServer({ version: 1, entries: { "TXT amazonses.com": { answer: [["v=spf1 ip4:199.255.192.0/22 ~all"]] } } });
});
afterEach(async () => {
  await smtp.close();
  await dns.close();
});

function setup(over: { config?: string; policy?: string } = {}) {
  writeFileSync(
    join(home.dir, "config.yaml"),
    over.config ??
      [
        `smtp:`,
        `  url: smtp://127.0.0.1:${smtp.port}`,
        `reply:`,
        `  from: "Security <security@example.com>"`,
        `notify:`,
        `  email:`,
        `    to: [oncall@example.com]`,
      ].join("\n") + "\n",
  );
  const policy = join(home.dir, "policy.yaml");
  writeFileSync(policy, over.policy ?? "version: 1\nexaminers:\n  cidrs: [203.0.113.10/32]\n");
  return policy;
}

const doctor = (policy: string, ...more: string[]) =>
  runCli("doctor", "--account", "sim", "--policy", policy, ...(more.includes("--dns-server") ? [] : ["--dns-server", `127.0.0.1:${dns.port}`, "--dns-timeout", "2000"]), ...more);

function parse(out: string) {
  return Output.parse(JSON.parse(out));
}

describe("doctor", () => {
  it("passes on the simulated account with everything set up: every check ok", async () => {
    const policy = setup();
    const r = await doctor(policy, "--json");
    const out = parse(r.out);
    expect(out.checks.filter((c) => c.status !== "ok")).toEqual([]);
    expect(out.checks.map((c) => c.id)).toEqual(["home", "config", "store", "policy", "policy.examiners", "account", "reply.from", "send.smtp", "notify", "dns"]);
    expect(out.ok).toBe(true);
    expect(r.code).toBe(0);
    expect(dns.queries).toContain("TXT amazonses.com");
    const text = await doctor(policy);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^ok {4}account: sim: 3 accounts/m);
    expect(text.out).toMatch(/10 ok, 0 warnings, 0 failed/);
  });

  it("with no configuration: warnings with fixes, still exit 0", async () => {
    const r = await runCli("doctor", "--account", "sim", "--offline", "--json");
    const out = parse(r.out);
    expect(r.code).toBe(0);
    const warn = out.checks.filter((c) => c.status === "warn");
    expect(warn.map((c) => c.id).sort()).toEqual(["dns", "notify", "policy.examiners", "reply.from", "send"]);
    for (const c of warn) expect(c.fix).toBeTruthy();
  });

  const failures: { name: string; id: string; inject: (policy: string) => { args?: string[]; policy?: string } | void; says: RegExp }[] = [
    { name: "data directory is a file", id: "home", inject: () => void (process.env.ABUSE_DESK_HOME = join(home.dir, "config.yaml")), says: /not a directory/ },
    { name: "broken configuration", id: "config", inject: () => void writeFileSync(join(home.dir, "config.yaml"), "smtp: [unclosed\n"), says: /not valid YAML/ },
    { name: "missing policy", id: "policy", inject: () => ({ policy: join(home.dir, "nope.yaml") }), says: /no such file/ },
    { name: "unreadable estate", id: "account", inject: () => ({ args: ["--account", `sim:${join(home.dir, "nope.yaml")}`] }), says: /nope\.yaml/ },
    {
      name: "SMTP server down",
      id: "send.smtp",
      inject: () => void writeFileSync(join(home.dir, "config.yaml"), `smtp:\n  url: smtp://127.0.0.1:1\nreply:\n  from: security@example.com\n`),
      says: /127\.0\.0\.1:1/,
    },
    { name: "DNS without the record", id: "dns", inject: () => ({ args: ["--dns-server", "127.0.0.1:1", "--dns-timeout", "200"] }), says: /DNS does not answer/ },
    { name: "PostgreSQL unreachable", id: "store", inject: () => void (process.env.DATABASE_URL = "postgres://nobody@127.0.0.1:1/none"), says: /cannot be opened/ },
  ];
  for (const f of failures) {
    it(`fails on ${f.name}: the ${f.id} check says it with a fix, exit 78`, async () => {
      let policy = setup();
      const more = f.inject(policy) ?? {};
      if (more.policy) policy = more.policy;
      const r = await doctor(policy, "--json", ...(more.args ?? []));
      const out = parse(r.out);
      const c = out.checks.find((x) => x.id === f.id);
      expect(c, JSON.stringify(out.checks)).toMatchObject({ status: "fail" });
      expect(c!.detail).toMatch(f.says);
      expect(c!.fix).toBeTruthy();
      expect(out.ok).toBe(false);
      expect(r.code).toBe(78);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }

  it("a data directory under a file fails home and store, not with a stack", async () => {
    mkdirSync(join(home.dir, "x"));
    writeFileSync(join(home.dir, "x", "f"), "");
    process.env.ABUSE_DESK_HOME = join(home.dir, "x", "f", "desk");
    const r = await runCli("doctor", "--account", "sim", "--offline", "--json");
    const out = parse(r.out);
    expect(out.checks.filter((c) => c.status === "fail").map((c) => c.id)).toEqual(["home", "store"]);
    expect(r.code).toBe(78);
  });
});
