/**
 * The folder source against hostile folders: symbolic links, oversized files, files still being
 * written, subfolders, dotfiles, and a store that refuses (the file stays for the next scan).
 */
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dirSource } from "../../src/intake/dir.ts";
import type { Arrival, ArrivalReceipt } from "../../src/intake/types.ts";
import { newHome } from "./service-helpers.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const deps = (home: string, maxBytes = 1000) => ({ cursors: { getCursor: async () => null, setCursor: async () => undefined }, log: silent, home, env: {}, maxBytes });

function sink(fail = false) {
  const got: Arrival[] = [];
  const fn = async (a: Arrival): Promise<ArrivalReceipt> => {
    if (fail) throw new Error("store unavailable");
    got.push(a);
    return { id: String(got.length), duplicate: false };
  };
  return { fn, got };
}

describe("the folder source", () => {
  it("takes regular files only, moves each out once kept, and leaves links, dotfiles, partial files and subfolders alone", async () => {
    const home = newHome();
    const dir = join(home, "inbox");
    writeFileSync(join(dir, "a.eml"), "notice a");
    writeFileSync(join(home, "secret.txt"), "not yours");
    symlinkSync(join(home, "secret.txt"), join(dir, "link.eml"));
    writeFileSync(join(dir, ".hidden.eml"), "dot");
    writeFileSync(join(dir, "b.eml.tmp"), "still being written");
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "c.eml"), "nested");
    const src = dirSource({ name: "drop", path: "inbox", after: "move", pollMs: 1000, settleMs: 0 }, deps(home));
    const s = sink();
    expect(await src.drain(s.fn, new AbortController().signal)).toBe(1);
    expect(s.got.map((a) => a.raw.toString())).toEqual(["notice a"]);
    expect(s.got[0]!.source).toBe("drop");
    expect(s.got[0]!.ref).toMatch(/^a\.eml#[0-9a-f]{64}$/);
    expect(existsSync(join(dir, "processed", "a.eml"))).toBe(true);
    expect(existsSync(join(dir, "link.eml"))).toBe(true);
    expect(existsSync(join(dir, "b.eml.tmp"))).toBe(true);
    expect(src.health()).toMatchObject({ name: "drop", kind: "dir", state: "ok", received: 1 });
  });

  it("moves a file over the size limit to rejected/ unread", async () => {
    const home = newHome();
    const dir = join(home, "inbox");
    writeFileSync(join(dir, "huge.eml"), "x".repeat(2000));
    const s = sink();
    expect(await dirSource({ path: dir, after: "move", pollMs: 1000, settleMs: 0 }, deps(home)).drain(s.fn, new AbortController().signal)).toBe(0);
    expect(s.got).toEqual([]);
    expect(readdirSync(join(dir, "rejected"))).toEqual(["huge.eml"]);
  });

  it("keeps a file the store could not take, and says the source is failing", async () => {
    const home = newHome();
    const dir = join(home, "inbox");
    writeFileSync(join(dir, "a.eml"), "notice a");
    const src = dirSource({ path: dir, after: "move", pollMs: 1000, settleMs: 0 }, deps(home));
    expect(await src.drain(sink(true).fn, new AbortController().signal)).toBe(0);
    expect(existsSync(join(dir, "a.eml"))).toBe(true);
    expect(src.health()).toMatchObject({ state: "failing" });
    expect(src.health().lastError).toMatch(/store unavailable/);
    // the store is back: taken in on the next scan
    expect(await src.drain(sink().fn, new AbortController().signal)).toBe(1);
    expect(src.health().state).toBe("ok");
  });

  it("leaves a file modified within settleMs for a later scan, and keeps both of two files of one name", async () => {
    const home = newHome();
    const dir = join(home, "inbox");
    writeFileSync(join(dir, "a.eml"), "fresh");
    const s = sink();
    expect(await dirSource({ path: dir, after: "move", pollMs: 1000, settleMs: 600_000 }, deps(home)).drain(s.fn, new AbortController().signal)).toBe(0);
    const src = dirSource({ path: dir, after: "move", pollMs: 1000, settleMs: 0 }, deps(home));
    expect(await src.drain(s.fn, new AbortController().signal)).toBe(1);
    writeFileSync(join(dir, "a.eml"), "second with the same name");
    expect(await src.drain(s.fn, new AbortController().signal)).toBe(1);
    expect(readdirSync(join(dir, "processed")).sort()).toEqual(["a.eml", "a.eml.1"]);
  });

  it("watches the folder while running, and stops when told", async () => {
    const home = newHome();
    const dir = join(home, "inbox");
    const src = dirSource({ path: dir, after: "delete", pollMs: 50, settleMs: 0 }, deps(home));
    const ac = new AbortController();
    let resolveGot!: () => void;
    const gotOne = new Promise<void>((r) => (resolveGot = r));
    const running = src.run(async (a) => {
      resolveGot();
      return { id: a.ref, duplicate: false };
    }, ac.signal);
    writeFileSync(join(dir, "late.eml"), "arrives while running");
    await gotOne;
    ac.abort();
    await running;
    expect(src.health().state).toBe("stopped");
  });
});
