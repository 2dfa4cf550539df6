/**
 * `plan` takes its notice like the other commands: a FILE, or `-` for standard input; a plan JSON
 * on standard input is shown as it is; a path that does not exist is "no such file" (66), not
 * looked up as a case.
 */
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli, tempHome } from "../helpers/cli.ts";

const NOTICE = "fixtures/notices/aws2017-multi-resource.eml";
const ARGS = ["--account", "sim", "--offline", "--now", "2024-03-05T10:00:00Z", "--plan-id", "P-stdin", "--json"];

function stdinOf(bytes: Buffer): void {
  vi.spyOn(process, "stdin", "get").mockReturnValue(Object.assign(Readable.from([bytes]), { isTTY: false }) as unknown as typeof process.stdin);
}

describe("plan FILE or -", () => {
  tempHome("abuse-desk-plan-input-");
  afterEach(() => vi.restoreAllMocks());

  it("plans a notice read from standard input as it plans the file", async () => {
    const fromFile = await runCli("plan", NOTICE, ...ARGS);
    expect(fromFile.code).toBe(0);
    stdinOf(readFileSync(NOTICE));
    const fromStdin = await runCli("plan", "-", ...ARGS);
    expect(fromStdin.err).toBe("");
    expect(fromStdin.code).toBe(0);
    expect(JSON.parse(fromStdin.out)).toEqual(JSON.parse(fromFile.out));
  });

  it("shows a plan JSON given on standard input", async () => {
    const plan = JSON.parse((await runCli("plan", NOTICE, ...ARGS)).out) as { id: string };
    stdinOf(Buffer.from(JSON.stringify(plan)));
    const r = await runCli("plan", "-", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(plan);
  });

  it("a notice path that does not exist is 66 naming it", async () => {
    const r = await runCli("plan", "no/such/notice.eml", "--account", "sim");
    expect(r.code).toBe(66);
    expect(r.err).toContain("no/such/notice.eml: no such file");
  });
});
