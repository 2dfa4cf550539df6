/**
 * Intake and plan follow the verdict and what the input is: text that is not an AWS notice opens
 * no case unless asked (`--force-case`), and a forged notice's hint is "report it to AWS", never
 * "plan it". The desk refuses it too, so every caller of intakeItem (the service) is held to it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { intakeItem, NotANoticeError } from "../../src/desk/index.ts";
import { parseInput } from "../../src/notice/index.ts";
import { verify } from "../../src/verify/index.ts";
import { runCli } from "../helpers/cli.ts";

const NOTICES = join(import.meta.dirname, "../../fixtures/notices");
const LUNCH = "Hi team,\n\nLunch on Friday at noon? The usual place.\n\nBob\n";

describe("intake", () => {
  let home: string;
  const env = { ...process.env };
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "abuse-desk-intake-"));
    process.env.ABUSE_DESK_HOME = home;
    delete process.env.DATABASE_URL;
    delete process.env.ABUSE_DESK_ACCOUNT;
    process.env.ABUSE_DESK_ACTOR = "tester";
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    process.env = { ...env };
  });

  it("text that is not an AWS notice opens no case unless asked with --force-case", async () => {
    const file = join(home, "lunch.txt");
    writeFileSync(file, LUNCH);
    const r = await runCli("intake", file, "--offline", "--json");
    expect(r.code).toBe(65);
    const out = JSON.parse(r.out) as { items: unknown[]; notNotices: { file: string; reason: string }[] };
    expect(out.items).toEqual([]);
    expect(out.notNotices).toEqual([{ file, index: 0, reason: expect.stringMatching(/names no AWS case number/) }]);
    const human = await runCli("intake", file, "--offline");
    expect(human.out).toMatch(/not an AWS abuse notice .*no case opened; --force-case opens one anyway/);
    expect((JSON.parse((await runCli("case", "list", "--all", "--json")).out) as { items: unknown[] }).items).toEqual([]);

    const forced = await runCli("intake", file, "--offline", "--force-case", "--json");
    expect(forced.code).toBe(0);
    expect((JSON.parse(forced.out) as { items: { created: boolean }[] }).items[0]!.created).toBe(true);
  });

  it("the desk itself refuses it (every caller of intakeItem, not only the CLI)", async () => {
    const store = await openStore();
    try {
      const item = (await parseInput(Buffer.from(LUNCH))).items[0]!;
      await expect(intakeItem(item, { store, verify: (i) => verify(i) })).rejects.toBeInstanceOf(NotANoticeError);
      expect((await store.listCases({ all: true })).items).toEqual([]);
      const forced = await intakeItem(item, { store, verify: (i) => verify(i), forceCase: true });
      expect(forced.intake.created).toBe(true);
    } finally {
      await store.destroy();
    }
  });

  it("a forged notice's hint is report-it-to-AWS, never plan; an unverified one's is plan", async () => {
    const forged = await runCli("intake", join(NOTICES, "aws2017-multi-resource.eml"), "--offline");
    expect(forged.out).toMatch(/phishing/);
    expect(forged.out).toMatch(/Next: do not act on it; report it to AWS \(forward it as an attachment to stop-spoofing@amazon\.com\)/);
    expect(forged.out).not.toMatch(/abuse-desk plan/);
    const id = /^(AD-\d{4}-\d{4})/m.exec(forged.out)![1]!;
    const plan = await runCli("plan", id, "--account", "sim");
    expect(plan.out).toMatch(/Its notice was judged phishing: do not apply it; report the notice to AWS/);
    expect(plan.out).not.toMatch(/Apply it with/);
    const pasted = await runCli("intake", join(NOTICES, "trust-safety-final.txt"), "--offline");
    expect(pasted.out).toMatch(/unverified/);
    expect(pasted.out).toMatch(/Next: abuse-desk case show \S+ {2}· {2}abuse-desk plan/);
  });
});
