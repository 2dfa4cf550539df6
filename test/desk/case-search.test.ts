/**
 * A case's search is decided in one place (src/desk/index.ts resolveCase: the notice's resources
 * and, for a credential case, the credential sweep's gaps): nothing else in src/ records a
 * resolution on a case, and the notice-level commands that resolve a notice without a case
 * (`resolve`, `triage`, `plan FILE`) are the only other callers of resolveNotice. A plan made from
 * a credential notice's file (no case, so no sweep) is never complete.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compromisedKeyEstate, SCENARIO as S } from "../../src/credentials/scenario.ts";
import { runCli, tempHome } from "../helpers/cli.ts";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(name) ? [p] : [];
  });
}

/** Files of src/ that call `name(` (not its definition). */
function callers(name: string): string[] {
  const call = new RegExp(`(?<!function )\\b${name}\\(`);
  return sources(SRC)
    .filter((p) => readFileSync(p, "utf8").split("\n").some((l) => call.test(l) && !/^\s*(\*|\/\/)/.test(l)))
    .map((p) => relative(SRC, p))
    .sort();
}

describe("one place decides a case's search", () => {
  it("only resolveCase records a resolution on a case", () => {
    expect(callers("recordResolution")).toEqual(["desk/index.ts"]);
    // ...and desk/index.ts records it in resolveCase only
    const desk = readFileSync(join(SRC, "desk/index.ts"), "utf8");
    const body = desk.slice(desk.indexOf("export async function resolveCase("));
    expect(desk.split(/\brecordResolution\(/).length - 1).toBe(2); // its definition and the one call
    expect(body.slice(0, body.indexOf("\n}\n"))).toMatch(/await recordResolution\(/);
  });

  it("resolveNotice is called for a case only by resolveCase; the other callers resolve a notice with no case", () => {
    expect(callers("resolveNotice")).toEqual(["cli/plan.ts", "cli/resolve.ts", "cli/triage.ts", "desk/index.ts"]);
    const desk = readFileSync(join(SRC, "desk/index.ts"), "utf8");
    expect(desk.split(/\bresolveNotice\(/).length - 1).toBe(1);
    expect(desk.slice(desk.indexOf("export async function resolveCase(")).split("\n}\n")[0]).toMatch(/resolveNotice\(/);
  });
});

describe("plan of a credential notice's file (no case, no sweep)", () => {
  const home = tempHome("abuse-desk-plan-creds-");
  it("says the credentials were not swept and exits 69, never a complete search", async () => {
    const estate = join(home.dir, "estate.yaml");
    writeFileSync(estate, JSON.stringify(compromisedKeyEstate()));
    const notice = join(home.dir, "exposed.txt");
    writeFileSync(
      notice,
      [
        "Dear AWS Customer,",
        "",
        `We became aware that the AWS Access Key ${S.exposedKey} of your AWS account ${S.account}, with its Secret Key, is publicly available online.`,
        "Please delete or rotate the exposed credentials and check your account for unauthorized usage.",
        "",
        "Sincerely,",
        "Amazon Web Services",
        "",
      ].join("\n"),
    );
    const r = await runCli("plan", notice, "--account", `sim:${estate}`, "--now", S.now, "--json");
    expect(r.code).toBe(69);
    expect(r.err).toMatch(/the credentials were not swept: a plan made from a notice file does not run the credential sweep/);
    expect(r.err).toContain(`abuse-desk sweep --key ${S.exposedKey} --since ISO --plan`);
  });
});
