/**
 * Two (and more) processes triaging the same notice at the same moment make one case and one
 * notice: real processes, released together, on a database none of them has opened before (so
 * they also race on creating the schema).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { makeNotice, raw } from "./fixtures.ts";
import { freshSchema } from "./pg.ts";
import { spawnChild } from "./processes.ts";

async function race(url: string, processes: number, notice: ReturnType<typeof makeNotice>, bytes: Buffer) {
  const children = Array.from({ length: processes }, () => spawnChild("intake-once.ts", { url, notice, raw: bytes.toString("base64") }));
  await Promise.all(children.map((c) => c.waitFor((l) => l === "ready", 30_000)));
  for (const c of children) c.proc.stdin.write("go\n");
  const results = await Promise.all(children.map((c) => c.waitFor((l) => l.startsWith("{"), 30_000)));
  await Promise.all(children.map((c) => c.exited));
  return results.map((l) => JSON.parse(l) as { caseId: string; created: boolean; duplicate: boolean; noticeId: number });
}

async function raceTwice(url: string) {
  // By Message-ID, 4 processes.
  const n1 = makeNotice();
  const r1 = await race(url, 4, n1, raw(n1));
  expect(r1.filter((r) => r.created)).toHaveLength(1);
  expect(r1.filter((r) => r.duplicate)).toHaveLength(3);
  expect(new Set(r1.map((r) => r.caseId)).size).toBe(1);
  expect(new Set(r1.map((r) => r.noticeId)).size).toBe(1);
  // Without a Message-ID (pasted text: same bytes), 2 processes.
  const n2 = makeNotice({ messageId: null, format: "text", instanceIds: ["i-0race2"], publicIps: [] });
  const r2 = await race(url, 2, n2, Buffer.from("the same pasted notice\n"));
  expect(r2.filter((r) => r.created)).toHaveLength(1);
  expect(r2[0]!.caseId).toBe(r2[1]!.caseId);

  const store = await openStore({ url });
  try {
    const all = await store.listCases({ all: true });
    expect(all.items.map((c) => c.id).sort()).toEqual([r1[0]!.caseId, r2[0]!.caseId].sort());
    expect(await store.notices(r1[0]!.caseId)).toHaveLength(1);
    expect(await store.notices(r2[0]!.caseId)).toHaveLength(1);
    expect((await store.auditVerify()).intact).toBe(true);
  } finally {
    await store.destroy();
  }
}

describe("two processes triaging the same notice make one case", () => {
  it("on SQLite", async () => {
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-race-"));
    try {
      await raceTwice(join(home, "cases.db"));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);

  it("on PostgreSQL", async () => {
    const schema = await freshSchema();
    try {
      await raceTwice(schema.url);
    } finally {
      await schema.drop();
    }
  }, 60_000);
});
