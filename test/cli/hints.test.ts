/**
 * Hints are copy-pasteable: the command printed next carries the account flags the person used,
 * quoted for a shell when needed, and runs as printed.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { accountFlags, shellWord } from "../../src/cli/hint.ts";
import { notSearchedError } from "../../src/resolve/outcome.ts";
import { composeDrillNotice, DRILL_DIR } from "../../src/drill/index.ts";
import { runCli, tempHome } from "../helpers/cli.ts";

const ESTATE = join(import.meta.dirname, "../../fixtures/estates/sample.yaml");
const DNS = ["--offline", "--dns-cache", join(DRILL_DIR, "dns.json")];

describe("copy-pasteable hints", () => {
  it("quotes a word a shell would split or expand", () => {
    expect(shellWord("sim:/tmp/a b/estate.yaml")).toBe("'sim:/tmp/a b/estate.yaml'");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord("sim:/tmp/estate.yaml")).toBe("sim:/tmp/estate.yaml");
    expect(accountFlags({ account: "aws", profile: "security audit", region: "eu-west-1" })).toBe(" --account aws --profile 'security audit' --region eu-west-1");
    expect(accountFlags({})).toBe("");
  });

  it("not searched: the hint is the command to search again, not a template", () => {
    const e = notSearchedError([{ accountId: "111122223333", region: "eu-west-1", reason: "no AWS credentials were found" }], "plan", "abuse-desk plan AD-2026-0001 --account aws --profile prod");
    expect(e.hint).toContain("search again: abuse-desk plan AD-2026-0001 --account aws --profile prod");
  });

  const home = tempHome("cli-hints-");
  it("intake and plan name the account the person used, and the printed command runs", async () => {
    // an estate at a path with a space: the hint must quote it
    const dir = join(home.dir, "my estates");
    mkdirSync(dir);
    const estate = join(dir, "sample.yaml");
    copyFileSync(ESTATE, estate);
    const spec = `sim:${estate}`;
    const file = join(home.dir, "notice.eml");
    writeFileSync(file, await composeDrillNotice(new Date()));

    const intake = await runCli("intake", file, ...DNS, "--account", spec);
    expect(intake.code, intake.err).toBe(0);
    expect(intake.out).toContain(`abuse-desk plan AD-2026-0001 --account '${spec}'`);

    const plan = await runCli("plan", "AD-2026-0001", "--account", spec);
    expect(plan.code, plan.err).toBe(0);
    const hint = /Apply it with: (abuse-desk apply .*)/.exec(plan.out)![1]!;
    expect(hint).toBe(`abuse-desk apply AD-2026-0001 --account '${spec}'`);
    // what the hint says runs as printed (a shell would unquote the path)
    const apply = await runCli("apply", "AD-2026-0001", "--account", spec, "--yes");
    expect(apply.code, apply.err).toBe(0);
  }, 60_000);
});
