/**
 * Every command's --json output, run for real (in-process, on the bundled simulated account and
 * the sample notices), is parsed with its published schema (src/cli/json/outputs.ts); the files
 * in docs/schemas/ are what the generator makes of those schemas; every command that has --json
 * has a schema and is run here; and, across every output, the one vocabulary holds wherever a
 * value sits (times ISO 8601 UTC with Z, a verdict the one object or a level, AWS's number never
 * `caseNumber`), including inside the parts the schemas describe loosely.
 */
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { jsonSchemas, SCHEMA_DIR } from "../../scripts/gen-json-schemas.ts";
import { buildProgram } from "../../src/cli/main.ts";
import { OUTPUTS, type OutputName } from "../../src/cli/json/outputs.ts";
import { isoTime } from "../../src/cli/json/vocabulary.ts";
import { composeDrillNotice, DRILL_DIR } from "../../src/drill/index.ts";
import { runCli, tempHome } from "../helpers/cli.ts";

const BIN = join(import.meta.dirname, "../../bin/abuse-desk.js");
const NOTICES = join(import.meta.dirname, "../../fixtures/notices");
const DNS = ["--offline", "--dns-cache", join(DRILL_DIR, "dns.json")];

/** What the vocabulary says of any value, wherever it sits: the problems found, with their paths. */
function vocabularyProblems(v: unknown, path = "$", allow: readonly string[] = []): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => vocabularyProblems(x, `${path}[${i}]`, allow));
  if (!v || typeof v !== "object") return [];
  const out: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    const p = `${path}.${k}`;
    // the keys of provenance are the notice's field names, not fields of the output; `data` of a
    // timeline event or an audit entry is the record as it was written (the audit chain hashes it)
    if (k === "provenance" || k === "data") continue;
    if ((k === "caseNumber" || k === "verdictDetail") && !allow.includes(k)) out.push(`${p}: not in the vocabulary (awsCaseNumber; verdict { level, reasons, auth })`);
    if (/(^at|At|^begin|^end)$/.test(k) && typeof x === "string" && x !== "" && !isoTime.safeParse(x).success) out.push(`${p}: ${JSON.stringify(x)} is not ISO 8601 UTC with Z`);
    if (k === "verdict" && x !== null && typeof x === "object" && !("level" in x && "reasons" in x && "auth" in x)) out.push(`${p}: a verdict object is { level, reasons, auth }`);
    if (k === "verdict" && typeof x === "string" && !["authentic", "unverified", "suspicious", "phishing"].includes(x)) out.push(`${p}: ${x} is not a verdict level`);
    out.push(...vocabularyProblems(x, p, allow));
  }
  return out;
}

const covered = new Set<string>();

/** The issues, a union's taken from its closest branch. */
function issues(list: readonly z.core.$ZodIssue[], at: PropertyKey[] = []): string[] {
  return list.flatMap((i) => {
    const path = [...at, ...i.path];
    if (i.code === "invalid_union" && i.errors.length) return issues([...i.errors].sort((a, b) => a.length - b.length)[0]!, path);
    return [`${path.map(String).join(".")}: ${i.message}`];
  });
}

/** Parses printed JSON with its schema and the vocabulary check. */
function check(name: OutputName, out: string, what: string): unknown {
  const value = JSON.parse(out) as unknown;
  const parsed = (OUTPUTS[name] as z.ZodType).safeParse(value);
  expect.soft(parsed.success ? [] : issues(parsed.error.issues), `${what} against docs/schemas/${name}.json`).toEqual([]);
  // parse --json keeps `caseNumber` beside `awsCaseNumber`, for the tools that read its published keys
  expect.soft(vocabularyProblems(value, "$", name === "parse" ? ["caseNumber"] : []), what).toEqual([]);
  covered.add(name);
  return value;
}

/** Runs a command with --json, checks its exit status, parses the output with its schema and returns it. */
async function json<T = unknown>(name: OutputName, args: string[], code: number | null = 0): Promise<T> {
  const r = await runCli(...args, "--json");
  if (code !== null) expect(r.code, `${args.join(" ")}: ${r.err}`).toBe(code);
  return check(name, r.out, args.join(" ")) as T;
}

describe("docs/schemas", () => {
  it("is what the zod schemas generate (regenerate: npx tsx scripts/gen-json-schemas.ts)", () => {
    const files = jsonSchemas();
    expect(readdirSync(SCHEMA_DIR).sort()).toEqual([...files.keys()].sort());
    for (const [name, text] of files) expect(readFileSync(join(SCHEMA_DIR, name), "utf8"), name).toBe(text);
  });

  it("has a schema for every command that prints --json", async () => {
    const program = await buildProgram();
    const withJson: string[] = [];
    const walk = (cmd: Command, path: string[]) => {
      for (const sub of cmd.commands) {
        const p = [...path, sub.name()];
        if (sub.options.some((o) => o.long === "--json")) withJson.push(p.join("-"));
        walk(sub, p);
      }
    };
    walk(program, []);
    expect(withJson.sort()).toEqual(Object.keys(OUTPUTS).sort());
  });

  it("the vocabulary check finds what it looks for", () => {
    expect(vocabularyProblems({ a: { createdAt: "2026-05-01 10:00:00 UTC", caseNumber: "1", verdict: { verdict: "authentic" } } })).toHaveLength(3);
    expect(vocabularyProblems({ at: "2026-05-01T10:00:00+02:00" })).toHaveLength(1);
    expect(vocabularyProblems({ at: "2026-05-01T10:00:00.123Z", verdict: "authentic", notice: { provenance: { caseNumber: [] } } })).toEqual([]);
  });
});

describe("every command's --json output validates against its schema", () => {
  const home = tempHome("json-schemas-");
  const hooks: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      hooks.push(req.url ?? "");
      res.writeHead(204).end();
    });
  });
  beforeAll(() => new Promise<void>((r) => server.listen(0, "127.0.0.1", r)));
  afterAll(() => new Promise((r) => server.close(r)));

  it("on the sample notices and the simulated account, from a notice to a closed case", async () => {
    const port = (server.address() as AddressInfo).port;
    writeFileSync(join(home.dir, "config.yaml"), `notify:\n  retry: { attempts: 1 }\n  webhooks:\n    - name: test\n      url: http://127.0.0.1:${port}/hook\n      secret: a-test-secret-of-enough-length-0123\n`);
    const file = join(home.dir, "notice.eml");
    writeFileSync(file, await composeDrillNotice(new Date()));
    const mbox = join(NOTICES, "three-messages.mbox");

    // one notice, and several
    const one = await json<Record<string, unknown>>("parse", ["parse", file]);
    expect(one.awsCaseNumber).toBe("31415926535");
    await json("parse", ["parse", mbox]);
    expect(await json("verify", ["verify", file, ...DNS])).toMatchObject({ level: "authentic" });
    await json("verify", ["verify", mbox, ...DNS], 3);
    await json("triage", ["triage", file, ...DNS, "--account", "sim"]);
    await json("triage", ["triage", mbox, ...DNS], 3);
    await json("resolve", ["resolve", file, "--account", "sim"]);
    // `parse --json` output is read back by resolve, awsCaseNumber and all
    const parsedFile = join(home.dir, "parsed.json");
    writeFileSync(parsedFile, JSON.stringify(one));
    await json("resolve", ["resolve", parsedFile, "--account", "sim"]);

    const intake = await json<{ items: { case: { id: string } }[] }>("intake", ["intake", file, ...DNS, "--account", "sim"]);
    const id = intake.items[0]!.case.id;
    const other = await json<{ items: { case: { id: string } }[] }>("intake", ["intake", join(NOTICES, "legacy-port-scan.txt")]);
    const otherId = other.items[0]!.case.id;
    expect(otherId).not.toBe(id);

    await json("plan", ["plan", id, "--account", "sim"]);
    await json("apply", ["apply", id, "--yes", "--account", "sim"]);
    // investigate exits 69 when a reader could not search somewhere (the sim has no flow logs for
    // every interface, no SSM on every host): its JSON is printed either way and says what was not searched
    const inv = await runCli("investigate", id, "--account", "sim", "--json");
    expect([0, 69], inv.err).toContain(inv.code);
    const investigation = check("investigate", inv.out, "investigate") as { caseId: string; status: string; notSearched: unknown[] };
    expect(investigation.caseId).toBe(id);
    expect(investigation.status === "partial").toBe(inv.code === 69);
    expect(investigation.notSearched.length > 0).toBe(inv.code === 69);
    const listed = await json<unknown[]>("evidence-list", ["evidence", "list", id]);
    expect(listed.length).toBeGreaterThan(0);
    await json("evidence-export", ["evidence", "export", id, "--out", join(home.dir, "bundle.tar")]);
    expect(existsSync(join(home.dir, "bundle.tar"))).toBe(true);
    // the sample estate's exposed key (fixtures/estates/sample.yaml, the `sim` account)
    await json("sweep", ["sweep", "--key", "AKIA2EXAMPLEKEY00001", "--account", "sim"]);
    // a credential case: its sweep kept with the case (exit 69: the notice is older than CloudTrail's 90 days, said as not searched)
    const cred = await json<{ items: { case: { id: string } }[] }>("intake", ["intake", join(NOTICES, "credentials-exposed-base64.eml"), ...DNS]);
    const credId = cred.items[0]!.case.id;
    const swept = await runCli("sweep", credId, "--account", "sim", "--json");
    expect([0, 69], swept.err).toContain(swept.code);
    expect((check("sweep", swept.out, "sweep CASE") as { caseId: string }).caseId).toBe(credId);
    const list = await json<{ changed: boolean; items: { id: string; state: string }[] }>("case-checklist", ["case", "checklist", credId, "--done", "contact-information"]);
    expect(list.changed).toBe(true);
    expect(list.items.find((i) => i.id === "contact-information")!.state).toBe("done");
    const credShown = await json<{ checklist: { state: string }[] | null }>("case-show", ["case", "show", credId]);
    expect(credShown.checklist!.filter((i) => i.state === "done")).toHaveLength(1);
    await json("report", ["report", credId]);
    await json("reply", ["reply", credId]);
    await json("case-list", ["case", "list"]);
    const shown = await json<{ notices: { verdict: { level: string } }[] }>("case-show", ["case", "show", id]);
    expect(shown.notices[0]!.verdict.level).toBe("authentic");
    await json("case-assign", ["case", "assign", id, "ana"]);
    await json("case-note", ["case", "note", id, "looked at it"]);
    await json("case-status", ["case", "status", id, "replied"]);
    await json("reply", ["reply", id]);
    await json("report", ["report", id]);
    await json("notify-due", ["notify", "due"]);
    await json("notify-run", ["notify", "run"]);
    await json("notify-test", ["notify", "test"]);
    expect(hooks.length).toBeGreaterThan(0);
    await json("rollback", ["rollback", id, "--yes", "--account", "sim"]);
    await json("case-link", ["case", "link", otherId, id]);
    await json("case-close", ["case", "close", id, "--reason", "done"]);
    await json("case-reopen", ["case", "reopen", id]);
    await json("audit-verify", ["audit", "verify", "--deep"]);
    await json("audit-log", ["audit", "log", "--limit", "5"]);
    // readiness exits 0 when every check ran, whatever it found, and 69 when one could not run (docs/readiness.md)
    const ready = await runCli("readiness", "--account", "sim", "--json");
    const readiness = check("readiness", ready.out, "readiness") as { counts: Record<string, number> };
    expect(ready.code, ready.err).toBe(readiness.counts["could-not-run"]! > 0 ? 69 : 0);
    expect(readiness.counts.fail).toBeGreaterThan(0);
    await json("inventory", ["inventory", "--account", "sim", "--out", join(home.dir, "assets.xlsx")]);
    expect(existsSync(join(home.dir, "assets.xlsx"))).toBe(true);
    await json("sim-status", ["sim", "status"]);
    await json("sim-reset", ["sim", "reset"]);
    // this setup has no reply address nor examiner CIDRs: doctor says so (exit 78), in its JSON
    const doctor = await json<{ ok: boolean }>("doctor", ["doctor", "--account", "sim"], null);
    expect(doctor.ok).toBe(false);
    await json("serve", ["serve", "--once"]);
    await json("drill", ["drill", "--home", join(home.dir, "drill")]);
    await json("user-add", ["user", "add", "ana", "--role", "viewer", "--no-password"]);
    await json("user-role", ["user", "role", "ana", "approver"]);
    // a password is read from standard input only: the binary, with stdin
    const passwd = spawnSync(process.execPath, [BIN, "user", "passwd", "ana", "--password-stdin", "--json"], { input: "a long enough password\n", encoding: "utf8", env: { ...process.env } });
    expect(passwd.status, passwd.stderr).toBe(0);
    check("user-passwd", passwd.stdout, "user passwd");
    await json("user-list", ["user", "list"]);
    await json("user-remove", ["user", "remove", "ana"]);
  }, 120_000);

  it("ran every command that has a schema", () => {
    expect([...covered].sort()).toEqual(Object.keys(OUTPUTS).sort());
    expect(existsSync(SCHEMA_DIR)).toBe(true);
  });
});
