import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseInput } from "../../../src/notice/index.ts";
import type { Notice, ParsedItem } from "../../../src/notice/types.ts";

export const FIXTURES = join(import.meta.dirname, "../../../fixtures/notices");

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

export async function parseOne(name: string | Buffer, opts: { receivedAt?: string; now?: Date } = {}): Promise<Notice> {
  const r = await parseInput(typeof name === "string" ? fixture(name) : name, opts);
  if (r.items.length !== 1) throw new Error(`expected one item, got ${r.items.length} (${r.failures.map((f) => f.error).join("; ")})`);
  return r.items[0]!.notice;
}

export async function parseItems(name: string | Buffer): Promise<ParsedItem[]> {
  return (await parseInput(typeof name === "string" ? fixture(name) : name)).items;
}

export function text(s: string): Buffer {
  return Buffer.from(s, "utf8");
}
