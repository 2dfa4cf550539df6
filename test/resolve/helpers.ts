/** Hand-built Notices for resolution tests (the parser has its own tests; here only what resolution reads matters). */
import { readFileSync } from "node:fs";
import type { Notice, ResourceRef } from "../../src/notice/types.ts";
import { parseEstate, SimAccount, type SimOptions, type SimState } from "../../src/cloud/sim/index.ts";
import { blankNotice } from "../../src/notice/blank.ts";

export function notice(over: Partial<Notice> = {}): Notice {
  return blankNotice({
    format: "email",
    activityType: "port_scan",
    ...over,
  });
}

export function resource(type: ResourceRef["type"], id: string, more: Partial<ResourceRef> = {}): ResourceRef {
  return { type, id, source: { part: "body", excerpt: id }, ...more };
}

const states = new Map<string, SimState>();
/** A fresh simulator over a fixture estate (parsed once per file; each simulator gets its own deep copy). */
export function sim(name: "sample" | "contract", opts: SimOptions = {}): SimAccount {
  const path = new URL(`../../fixtures/estates/${name}.yaml`, import.meta.url).pathname;
  if (!states.has(path)) states.set(path, parseEstate(readFileSync(path, "utf8"), `${name}.yaml`).state);
  return new SimAccount(structuredClone(states.get(path)!), { label: `sim:${name}`, ...opts });
}
