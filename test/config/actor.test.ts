/**
 * Who acts is read at the edge (src/config/actor.ts, by the CLI) and passed in: the store and the
 * stages record the actor they are given and never read USER or ABUSE_DESK_ACTOR themselves.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { actorFromEnv } from "../../src/config/actor.ts";
import { rollback } from "../../src/execute/rollback.ts";
import { runCli } from "../helpers/cli.ts";
import { makeNotice, makeVerdict } from "../case/fixtures.ts";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("the actor", () => {
  it("is ABUSE_DESK_ACTOR, else USER, else the OS user", () => {
    expect(actorFromEnv({ ABUSE_DESK_ACTOR: "alice", USER: "bob" })).toBe("alice");
    expect(actorFromEnv({ USER: "bob" })).toBe("bob");
    expect(actorFromEnv({})).toMatch(/.+/);
  });

  it("the store records the actor it is given, not the environment's", async () => {
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-actor-"));
    try {
      process.env.ABUSE_DESK_ACTOR = "mallory";
      process.env.USER = "mallory";
      const given = await openStore({ home, url: join(home, "a.db"), actor: "alice" });
      const r = await given.intake({ notice: makeNotice(), verdict: makeVerdict(), raw: Buffer.from("n1") });
      expect((await given.timeline(r.case.id)).map((e) => e.actor)).toEqual(expect.arrayContaining(["alice"]));
      expect((await given.timeline(r.case.id)).map((e) => e.actor)).not.toContain("mallory");
      // a write that names its actor keeps it
      await given.recordEvent(r.case.id, "note", "by bob", {}, { actor: "bob" });
      expect((await given.timeline(r.case.id)).at(-1)!.actor).toBe("bob");
      await given.destroy();
      // nobody given: the store's own name, never the environment's
      const none = await openStore({ home, url: join(home, "b.db") });
      const r2 = await none.intake({ notice: makeNotice(), verdict: makeVerdict(), raw: Buffer.from("n2") });
      expect(new Set((await none.timeline(r2.case.id)).map((e) => e.actor))).toEqual(new Set(["abuse-desk"]));
      await none.destroy();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("a stage given no actor does not read USER", async () => {
    process.env.USER = "mallory";
    const journal = { getPlan: () => Promise.resolve(null) } as unknown as Parameters<typeof rollback>[1]["journal"];
    // no plan: refused before anything is recorded, and nothing read USER (checked by the source below)
    await expect(rollback("plan-x", { journal, port: {} as never })).rejects.toThrow(/no plan plan-x/);
    const { readFileSync } = await import("node:fs");
    for (const f of ["src/execute/apply.ts", "src/execute/rollback.ts", "src/desk/containment.ts", "src/case/writes.ts", "src/desk/index.ts"])
      expect(readFileSync(new URL(`../../${f}`, import.meta.url), "utf8"), f).not.toMatch(/process\.env\.(USER|ABUSE_DESK_ACTOR)|readConfigFile\(/);
  });

  it("the web desk's routes read no environment: the policy and the account come in its deps (web/server.ts webDeps, the edge)", async () => {
    const { readFileSync, readdirSync } = await import("node:fs");
    const dir = new URL("../../src/web/routes/", import.meta.url);
    const files = readdirSync(dir).filter((f) => /\.tsx?$/.test(f));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(readFileSync(new URL(f, dir), "utf8"), f).not.toMatch(/process\.env|readConfigFile\(/);
  });

  it("the CLI passes the person it reads at its edge: a note is by ABUSE_DESK_ACTOR", async () => {
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-actor-cli-"));
    try {
      process.env.ABUSE_DESK_HOME = home;
      delete process.env.DATABASE_URL;
      const store = await openStore();
      const r = await store.intake({ notice: makeNotice(), verdict: makeVerdict(), raw: Buffer.from("n3") });
      await store.destroy();
      process.env.ABUSE_DESK_ACTOR = "carol";
      const out = await runCli("case", "note", r.case.id, "looked at it");
      expect(out.code).toBe(0);
      const again = await openStore();
      expect((await again.timeline(r.case.id)).at(-1)).toMatchObject({ type: "note", actor: "carol" });
      await again.destroy();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
