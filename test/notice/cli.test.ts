/** `abuse-desk parse`: one JSON object, flat keys first; {items, failures} for several; readable text without --json. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { Command } from "commander";
import { join } from "node:path";
import { register } from "../../src/cli/parse.ts";
import { UserError } from "../../src/errors.ts";
import { FIXTURES } from "./helpers/load.ts";

async function run(...args: string[]): Promise<string> {
  const program = new Command("abuse-desk").exitOverride();
  register(program);
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  try {
    await program.parseAsync(["node", "abuse-desk", "parse", ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

afterEach(() => {
  process.exitCode = undefined;
});

describe("parse command", () => {
  it("--json prints the Notice with the flat keys first, in the documented order", async () => {
    const out = await run(join(FIXTURES, "aws2017-multi-resource.eml"), "--json");
    const obj = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(obj).slice(0, 18)).toEqual(["activityType", "kind", "awsCaseNumber", "caseNumber", "accountIds", "regions", "instanceIds", "publicIps", "accessKeyIds", "networkInterfaceIds", "remoteIps", "remotePorts", "protocol", "destinationUrls", "window", "deadline", "resources", "fields"]);
    expect(obj.activityType).toBe("port_scan");
    expect(obj.remotePorts).toEqual({ count: 1505 });
  });

  it("--json on an mbox prints {items, failures}", async () => {
    const obj = JSON.parse(await run(join(FIXTURES, "three-messages.mbox"), "--json")) as { items: { index: number; kind: string }[]; failures: unknown[] };
    expect(obj.items.map((i) => [i.index, i.kind])).toEqual([[0, "initial_report"], [1, "follow_up"], [2, "resolved"]]);
    expect(obj.failures).toEqual([]);
  });

  it("without --json: a readable summary", async () => {
    const out = await run(join(FIXTURES, "trust-safety-final.txt"));
    expect(out).toContain("intrusion (final notification)");
    expect(out).toContain("i-0fedcba9876543210");
    expect(out).toContain("Blocked all traffic");
  });

  it("--received-at sets the default deadline of pasted text", async () => {
    const obj = JSON.parse(await run(join(FIXTURES, "dos-mitigation-table.txt"), "--json", "--received-at", "2023-06-01T12:00:00Z")) as { deadline: { at: string; basis: string } };
    expect(obj.deadline).toMatchObject({ at: "2023-06-02T12:00:00Z", basis: "default" });
  });

  it("bad input is a UserError naming the file", async () => {
    await expect(run(join(FIXTURES, "not-health.json"), "--json")).rejects.toThrow(UserError);
    await expect(run(join(FIXTURES, "no-such-file.eml"))).rejects.toThrow(/no such file/);
  });
});
