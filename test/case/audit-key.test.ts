/**
 * The audit key lives outside the database: a key file created 0600 in the data directory, or
 * ABUSE_DESK_AUDIT_KEY. A store written under one key is not silently extended under another.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { AUDIT_KEY_ENV, loadAuditKey } from "../../src/config/store.ts";
import { UserError } from "../../src/errors.ts";
import { makeNotice, makeVerdict } from "./fixtures.ts";

const dirs: string[] = [];
function home(): string {
  const d = mkdtempSync(join(tmpdir(), "abuse-desk-key-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  delete process.env[AUDIT_KEY_ENV];
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the audit key", () => {
  it("is created in the data directory, 0600, whatever the umask, and read back the same", async () => {
    const h = join(home(), "data");
    const old = process.umask(0o000);
    let key;
    try {
      key = loadAuditKey(h, {});
    } finally {
      process.umask(old);
    }
    const file = join(h, "audit.key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toMatch(/^[0-9a-f]{64}\n$/);
    expect(loadAuditKey(h, {})).toEqual(key);
    expect(key.source).toBe(file);
  });

  it("comes from ABUSE_DESK_AUDIT_KEY when set (no file then), and a short one is refused", () => {
    const h = home();
    const k = loadAuditKey(h, { [AUDIT_KEY_ENV]: "x".repeat(40) });
    expect(k.source).toBe(AUDIT_KEY_ENV);
    expect(() => statSync(join(h, "audit.key"))).toThrow();
    expect(() => loadAuditKey(h, { [AUDIT_KEY_ENV]: "short" })).toThrow(expect.objectContaining({ exitCode: 78, message: expect.stringMatching(/too short/) }));
  });

  it("comes from the configuration: audit.key names a variable (never the key itself), audit.keyFile a file kept elsewhere", () => {
    const h = home();
    writeFileSync(join(h, "config.yaml"), "audit:\n  key: env:MY_DESK_KEY\n");
    expect(loadAuditKey(h, { MY_DESK_KEY: "y".repeat(40) })).toMatchObject({ source: "MY_DESK_KEY", key: Buffer.from("y".repeat(40)) });
    expect(() => loadAuditKey(h, {})).toThrow(/audit\.key: environment variable MY_DESK_KEY is not set/);
    writeFileSync(join(h, "config.yaml"), `audit:\n  key: ${"z".repeat(40)}\n`);
    expect(() => loadAuditKey(h, {})).toThrow(expect.objectContaining({ exitCode: 78, message: expect.stringMatching(/a key never goes in the file/) }));
    const elsewhere = join(home(), "desk.key");
    writeFileSync(elsewhere, "k".repeat(64));
    writeFileSync(join(h, "config.yaml"), `audit:\n  keyFile: ${elsewhere}\n`);
    expect(loadAuditKey(h, {})).toMatchObject({ source: elsewhere });
    expect(() => statSync(join(h, "audit.key"))).toThrow(); // no default key file was made
    // The variable still comes first.
    expect(loadAuditKey(h, { [AUDIT_KEY_ENV]: "x".repeat(40) }).source).toBe(AUDIT_KEY_ENV);
  });

  it("a store keyed with one key refuses to write under another, and verify says it is the key, not tampering", async () => {
    const h = home();
    const url = join(h, "cases.db");
    // The edge resolves the key (src/config/store.ts) and gives it to the store.
    const a = await openStore({ home: h, url, auditKey: loadAuditKey(h, { [AUDIT_KEY_ENV]: "the first key, long enough to be a key" }) });
    await a.intake({ notice: makeNotice(), verdict: makeVerdict(), raw: Buffer.from("n1") });
    expect((await a.auditVerify({ deep: true })).intact).toBe(true);
    await a.destroy();
    const b = await openStore({ home: h, url, auditKey: loadAuditKey(h, { [AUDIT_KEY_ENV]: "another key, also long enough to be one" }) });
    try {
      const err = await b.intake({ notice: makeNotice(), verdict: makeVerdict(), raw: Buffer.from("n2") }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err).toMatchObject({ exitCode: 78, message: expect.stringMatching(/is keyed with audit key [0-9a-f]{16}, and this process has another/) });
      const v = await b.auditVerify();
      expect(v).toMatchObject({ intact: false, firstBroken: { problem: "key" } });
      if (!v.intact) expect(v.firstBroken.reason).toMatch(/keyed with audit key .* not with the key given/);
      expect((await b.listCases()).items).toHaveLength(1); // nothing was written
    } finally {
      await b.destroy();
    }
  });
});
