/**
 * The drill and the intake command: the whole pipeline on the embedded defaults, through the real
 * CLI, the real SQLite store and the persistent simulated account.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { composeDrillNotice, DRILL_DIR } from "../../src/drill/index.ts";
import { parseInput } from "../../src/notice/index.ts";
import { verify } from "../../src/verify/index.ts";
import { DnsCache } from "../../src/verify/dns.ts";
import { runCli } from "../helpers/cli.ts";

const fresh = () => mkdtempSync(join(tmpdir(), "drill-"));

describe("the drill's notice", () => {
  it("is authentic against the drill's recorded DNS, and a forgery against anything else", async () => {
    const raw = await composeDrillNotice(new Date("2026-11-26T10:00:00Z"));
    const item = (await parseInput(raw)).items[0]!;
    expect(item.notice).toMatchObject({ activityType: "port_scan", caseNumber: "31415926535", instanceIds: ["i-0a1b2c3d4e5f67890"], remoteIps: ["203.0.113.99"], remotePorts: { count: 1204 } });
    expect(Date.parse(item.notice.window.begin!)).toBeLessThan(Date.parse(item.notice.window.end!));
    const drillDns = DnsCache.parse(readFileSync(join(DRILL_DIR, "dns.json"), "utf8"), { missCode: "ENOTFOUND" });
    expect((await verify(item, { resolver: drillDns.resolve, now: new Date("2026-11-26T10:00:00Z") })).verdict).toBe("authentic");
    // The same message against DNS that does not publish the drill's key: the signature cannot be
    // verified, and an amazon.com From without a verified AWS signature is not authentic.
    const empty = new DnsCache({ missCode: "ENOTFOUND" });
    expect((await verify(item, { resolver: empty.resolve, now: new Date("2026-11-26T10:00:00Z") })).verdict).not.toBe("authentic");
  });
});

describe("abuse-desk drill", () => {
  it("runs notice -> verdict -> case -> resources -> plan -> apply -> reply, and says where everything is", async () => {
    const home = join(fresh(), "d");
    const r = await runCli("drill", "--home", home, "--json", "--now", "2026-11-26T10:00:00Z");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as {
      case: { id: string; status: string; verdict: string };
      verdict: { level: string };
      plan: { steps: unknown[]; playbook: string };
      applied: { byPolicy: { status: string }; byPerson: { status: string } | null };
      reply: string;
      report: string;
      database: string;
    };
    expect(out.verdict.level).toBe("authentic");
    expect(out.case).toMatchObject({ id: "AD-2026-0001", status: "contained", verdict: "authentic" });
    expect(out.plan.playbook).toBe("compromised-host");
    expect([out.applied.byPolicy.status, out.applied.byPerson?.status]).toContain("complete");
    expect(readFileSync(out.reply, "utf8")).toMatch(/^Subject: Re: Your AWS Abuse Report \[31415926535\]/m);
    expect(readFileSync(out.reply, "utf8")).toMatch(/In-Reply-To: <drill-/);
    expect(readFileSync(out.report, "utf8")).toContain("AD-2026-0001");
    expect(out.database).toBe(join(home, "abuse-desk.db"));

    // The drill's directory is an ordinary data directory: the other commands work on it.
    process.env.ABUSE_DESK_HOME = home;
    try {
      const shown = await runCli("case", "show", "AD-2026-0001", "--json");
      const shownCase = JSON.parse(shown.out) as { case: { status: string }; timeline: { type: string }[] };
      expect(shownCase.case.status).toBe("contained");
      // found at intake, found the same when planning: recorded once
      expect(shownCase.timeline.filter((e) => e.type === "resources-found")).toHaveLength(1);
      const rolled = await runCli("rollback", "AD-2026-0001", "--account", "sim", "--yes", "--json");
      expect(rolled.code).toBe(0);
      const sim = await runCli("sim", "status", "--json");
      const changes = (JSON.parse(sim.out) as { changes: string[] }).changes;
      // What rollback keeps on purpose: the snapshots, the groups it created, the case tags.
      expect(changes.every((c) => /snapshots\.|securityGroups\.sg-|tags\.abuse-desk:|volumeTags\./.test(c))).toBe(true);
      expect((await runCli("audit", "verify")).code).toBe(0);
      // A drill's reply never leaves the machine: its notice and account are simulated.
      const send = await runCli("reply", "AD-2026-0001", "--send", "smtp");
      expect(send.code).toBe(77);
      expect(send.err).toMatch(/is a drill/);
    } finally {
      delete process.env.ABUSE_DESK_HOME;
    }
  });

  it("prints each stage and where things are, without --json; keeps to its own store whatever DATABASE_URL says", async () => {
    process.env.DATABASE_URL = "postgres://nobody@127.0.0.1:1/not-a-database";
    const home = join(fresh(), "d");
    let r;
    try {
      r = await runCli("drill", "--home", home);
    } finally {
      delete process.env.DATABASE_URL;
    }
    expect(r.out).toContain(join(home, "abuse-desk.db"));
    expect(r.code).toBe(0);
    for (const label of ["notice", "verdict", "case", "resources", "plan", "reply", "report", "Where everything is", "abuse-desk rollback"]) expect(r.out).toContain(label);
  });

  it("refuses a directory that is not empty, and a real account", async () => {
    const dir = fresh();
    writeFileSync(join(dir, "something"), "x");
    expect((await runCli("drill", "--home", dir)).code).toBe(73);
    expect((await runCli("drill", "--account", "aws")).code).toBe(64);
  });
});

describe("abuse-desk intake", () => {
  it("taken in again with better verification and an account, a stored notice gets the new verdict and its resources", async () => {
    const home = fresh();
    const file = join(home, "notice.eml");
    writeFileSync(file, await composeDrillNotice(new Date()));
    process.env.ABUSE_DESK_HOME = home;
    type Out = { items: { case: { id: string; verdict: string }; duplicate: boolean; reverified: { from: string; to: string } | null; verdict: { level: string }; resolution: unknown }[] };
    try {
      // No DNS and no account: unverified, nothing searched.
      const first = JSON.parse((await runCli("intake", file, "--offline", "--json")).out) as Out;
      expect(first.items[0]).toMatchObject({ duplicate: false, verdict: { level: "unverified" }, case: { verdict: "unverified" }, resolution: null });
      // Again, offline: proves nothing either way, changes nothing, and says so.
      const same = await runCli("intake", file, "--offline");
      expect(same.out).toMatch(/already stored: nothing changed/);
      // With the DNS answers (the signature verifies) and the account: the verdict and the resources follow.
      const again = await runCli("intake", file, "--account", "sim", "--offline", "--dns-cache", join(DRILL_DIR, "dns.json"));
      expect(again.out).toMatch(/already stored: verdict re-checked, unverified -> authentic/);
      const store = await openStore({ home });
      try {
        const id = first.items[0]!.case.id;
        expect((await store.getCase(id))!.verdict).toBe("authentic");
        const [n] = await store.notices(id);
        expect(n!.verdict).toBe("authentic");
        const timeline = await store.timeline(id);
        expect(timeline.find((e) => e.type === "verdict" && e.data.reverified)!.summary).toMatch(/re-checked: unverified -> authentic/);
        expect(timeline.map((e) => e.type)).toContain("resources-found");
        expect((await store.auditVerify({ deep: true })).intact).toBe(true);
      } finally {
        await store.destroy();
      }
    } finally {
      delete process.env.ABUSE_DESK_HOME;
    }
  });

  it("opens a case, records the resources found, and stores the same notice once", async () => {
    const home = fresh();
    const file = join(home, "notice.eml");
    writeFileSync(file, await composeDrillNotice(new Date()));
    process.env.ABUSE_DESK_HOME = home;
    try {
      const first = await runCli("intake", file, "--account", "sim", "--offline", "--dns-cache", join(DRILL_DIR, "dns.json"), "--json");
      expect(first.code).toBe(0);
      const a = JSON.parse(first.out) as { items: { case: { id: string }; created: boolean; duplicate: boolean; verdict: { level: string }; resolution: { findings: { status: string }[] } }[] };
      expect(a.items[0]).toMatchObject({ created: true, duplicate: false, verdict: { level: "authentic" } });
      expect(a.items[0]!.resolution.findings.every((f) => f.status === "found")).toBe(true);

      const again = JSON.parse((await runCli("intake", file, "--offline", "--json")).out) as { items: { duplicate: boolean; case: { id: string } }[] };
      expect(again.items[0]).toMatchObject({ duplicate: true, case: { id: a.items[0]!.case.id } });

      const store = await openStore({ home });
      try {
        const timeline = await store.timeline(a.items[0]!.case.id);
        expect(timeline.map((e) => e.type)).toContain("resources-found");
        expect((await store.notices(a.items[0]!.case.id)).length).toBe(1);
      } finally {
        await store.destroy();
      }
    } finally {
      delete process.env.ABUSE_DESK_HOME;
    }
  });

  it("reads an mbox into one case per incident, and reports what it could not read", async () => {
    process.env.ABUSE_DESK_HOME = fresh();
    try {
      const mbox = join(import.meta.dirname, "../../fixtures/notices/three-messages.mbox");
      const r = await runCli("intake", mbox, "--offline", "--json");
      const out = JSON.parse(r.out) as { items: { joinedBy: string; case: { id: string } }[]; failures: unknown[] };
      expect(out.items).toHaveLength(3);
      expect(out.failures).toEqual([]);
      const empty = join(fresh(), "empty.txt");
      writeFileSync(empty, "");
      const bad = await runCli("intake", empty, "--json");
      expect(bad.code).toBe(65);
      expect(JSON.parse(bad.out).failures[0].error).toMatch(/empty/);
      expect(existsSync(join(process.env.ABUSE_DESK_HOME!, "abuse-desk.db"))).toBe(true);
    } finally {
      delete process.env.ABUSE_DESK_HOME;
    }
  });
});
