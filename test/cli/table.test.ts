/**
 * The one table helper (src/cli/table.ts) and the commands that print tables: at 80 columns (the
 * width when the output is not a terminal) every line fits, nothing is lost, and an id is never cut.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { outputWidth, renderTable, visibleLength, wrapText } from "../../src/cli/table.ts";
import { composeDrillNotice, DRILL_DIR } from "../../src/drill/index.ts";
import { runCli, tempHome } from "../helpers/cli.ts";

const NOTICES = join(import.meta.dirname, "../../fixtures/notices");
const DNS = ["--offline", "--dns-cache", join(DRILL_DIR, "dns.json")];
const widest = (text: string) => Math.max(...text.split("\n").map(visibleLength));
const words = (text: string) => text.split(/\s+/).filter(Boolean).join(" ");

describe("renderTable", () => {
  const long = "a sentence long enough that it cannot possibly fit in what is left of an eighty column line";
  it("keeps natural widths while the table fits, and wraps the chosen column inside itself when not", () => {
    expect(renderTable([["a", "b"], ["ccc", "d"]], { head: ["X", "Y"] })).toBe("X    Y\na    b\nccc  d");
    const t = renderTable([["AD-2026-0001", "i-0a1b2c3d4e5f67890", long]], { width: 80, wrap: [2] });
    expect(widest(t)).toBeLessThanOrEqual(80);
    expect(t.split("\n").length).toBeGreaterThan(1);
    expect(t.split("\n")[0]).toMatch(/^AD-2026-0001 {2}i-0a1b2c3d4e5f67890 {2}a sentence/);
    // continuation lines start under their column
    for (const l of t.split("\n").slice(1)) expect(l).toMatch(/^ {35}\S/);
    expect(words(t.split("\n").map((l) => l.slice(35)).join(" "))).toBe(long);
  });

  it("with too many columns for the width, wraps the wrapping columns and keeps the others whole", () => {
    const head = ["CASE", "STATUS", "ACCOUNT", "DEADLINE", "ASSIGNEE", "AWS CASE"];
    const row = ["AD-2026-0001", "contained", "111122223333", "2026-05-02 09:00 UTC, overdue by 219 d 12 h", "someone.with.a.very.long.name@example.com", "AWS-DMCA-48213"];
    const t = renderTable([row], { head, width: 80, wrap: [3, 4] });
    expect(widest(t)).toBeLessThanOrEqual(80);
    // the columns that do not wrap are whole; the wrapping ones lose nothing (read down their column)
    for (const i of [0, 1, 2, 5]) expect(t).toContain(row[i]);
    expect(t.replace(/\s+/g, "")).toContain("someone.with.");
    const col = t.split("\n").slice(1).map((l) => l.slice(51, 66).trim()).join("");
    expect(col).toBe("someone.with.a.very.long.name@example.com");
  });

  it("colours wrapped lines one by one, never cutting a colour code", () => {
    const paint = (s: string) => `\x1b[2m${s}\x1b[22m`;
    const t = renderTable([["x", { text: "one two three four five six", paint }]], { width: 12, wrap: [1] });
    for (const l of t.split("\n")) expect(l).toMatch(/\x1b\[2m[^\x1b]+\x1b\[22m$/);
    expect(widest(t)).toBeLessThanOrEqual(12);
  });

  it("wraps at spaces, cuts only a word longer than the column", () => {
    expect(wrapText("one two three", 7)).toEqual(["one two", "three"]);
    expect(wrapText("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
  });

  it("is 80 columns wide when the output is not a terminal, the terminal's when it is", () => {
    expect(outputWidth({ isTTY: false }, {})).toBe(80);
    expect(outputWidth({ isTTY: false }, { COLUMNS: "120" })).toBe(120);
    expect(outputWidth({ isTTY: true, columns: 100 }, {})).toBe(100);
  });
});

describe("the commands' tables at 80 columns", () => {
  const home = tempHome("cli-table-");
  it("case list, audit log, user list and triage's facts fit, with every id whole", async () => {
    delete process.env.COLUMNS;
    const file = join(home.dir, "notice.eml");
    writeFileSync(file, await composeDrillNotice(new Date()));
    expect((await runCli("intake", file, join(NOTICES, "legacy-port-scan.txt"), join(NOTICES, "dmca.txt"), ...DNS)).code).toBe(0);
    await runCli("case", "assign", "AD-2026-0001", "someone.with.a.very.long.name@example.com");
    await runCli("user", "add", "a.responder.with.a.long.name@example.org", "--role", "responder", "--no-password");

    const list = await runCli("case", "list");
    expect(list.code).toBe(0);
    expect(widest(list.out)).toBeLessThanOrEqual(80);
    for (const id of ["AD-2026-0001", "AD-2026-0002", "AD-2026-0003", "31415926535", "AWS-DMCA-48213", "someone.with.a.very.long.name@example.com"]) expect(list.out).toContain(id);

    const log = await runCli("audit", "log", "--limit", "20");
    expect(widest(log.out)).toBeLessThanOrEqual(80);
    expect(log.out).toContain("AD-2026-0001");

    const users = await runCli("user", "list");
    expect(widest(users.out)).toBeLessThanOrEqual(80);
    expect(users.out).toContain("a.responder.with.a.long.name@example.org");

    const triage = await runCli("triage", file, ...DNS, "--account", "sim");
    const facts = triage.out.split("\n").filter((l) => /^ {2}\S/.test(l) && !/^ {2}[✓·!✗~?]/.test(l) && !/^ {2}\d+\./.test(l));
    expect(facts.length).toBeGreaterThan(5);
    expect(widest(facts.join("\n"))).toBeLessThanOrEqual(80);
  }, 60_000);
});
