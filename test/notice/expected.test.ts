/**
 * Every scored fixture (fixtures/notices/scored/NAME.txt with NAME.json beside it) parsed as
 * `abuse-desk parse --json` prints it, and compared with the facts a careful reader wrote down, by
 * the rules of shared/tools/score-notices (./helpers/score.ts). One test per fixture, so a
 * regression names the notice and the field. The same folder can be scored with the tool itself:
 *
 *   ../shared/tools/score-notices --cmd "npx --no-install abuse-desk parse --json" fixtures/notices/scored
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/notice/index.ts";
import { noticeToJson } from "../../src/notice/json.ts";
import { ACTIVITY_TYPES } from "../../src/notice/types.ts";
import { FIXTURES } from "./helpers/load.ts";
import { compareFacts, scoreTime } from "./helpers/score.ts";

const DIR = join(FIXTURES, "scored");
const KEYS = ["activity_type", "case_number", "instance_ids", "public_ips", "access_key_ids", "account_ids", "protocol", "remote_ips", "remote_ports", "destination_urls", "begin_time", "end_time", "regions"];
const names = readdirSync(DIR)
  .filter((f) => f.endsWith(".txt"))
  .map((f) => f.slice(0, -4))
  .sort();

function expectedOf(name: string): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8")) as { expected: Record<string, unknown> }).expected;
}

async function parsed(name: string): Promise<Record<string, unknown>> {
  const r = await parseInput(readFileSync(join(DIR, `${name}.txt`)));
  expect(r.items).toHaveLength(1);
  return noticeToJson(r.items[0]!.notice);
}

describe("scored fixtures: the facts a careful reader finds", () => {
  it("there are at least 25, each with an expected-facts file in the corpus shape", () => {
    expect(names.length).toBeGreaterThanOrEqual(25);
    for (const n of names) {
      const e = expectedOf(n);
      expect(Object.keys(e).sort(), n).toEqual([...KEYS].sort());
      expect(ACTIVITY_TYPES, n).toContain(e.activity_type);
      for (const t of ["begin_time", "end_time"]) if (e[t] !== null) expect(scoreTime(e[t]), `${n} ${t}`).not.toBeNull();
    }
  });

  for (const name of names) {
    it(name, async () => {
      const c = compareFacts(expectedOf(name), await parsed(name));
      expect(c.diffs).toEqual([]);
    });
  }
});

/**
 * What publishing does to a notice: a blog quotes it, indents it as code, fences it in markdown,
 * drops its blank lines, turns its spaces into non-breaking ones, adds a sentence before and after,
 * or a Windows editor changes its line ends. None of that changes the facts. (Raw MIME messages are
 * left out: transforming their bytes makes them something no one would publish.)
 */
const PUBLISHED: Record<string, (t: string) => string> = {
  "CRLF line ends": (t) => t.replace(/\n/g, "\r\n"),
  "a '> ' blockquote": (t) => t.split("\n").map((l) => `> ${l}`).join("\n"),
  "a code block indented by four spaces": (t) => t.split("\n").map((l) => `    ${l}`).join("\n"),
  "no blank lines": (t) => t.replace(/\n\s*\n/g, "\n"),
  "trailing spaces": (t) => t.replace(/\n/g, "  \n"),
  "non-breaking spaces": (t) => t.replace(/ {2,}/g, (m) => "\u00a0".repeat(m.length)),
  "a markdown fence": (t) => "```\n" + t + "\n```\n",
  "the publisher's words around it": (t) => "This is the notice we received last week.\n\n" + t + "\n\nWe fixed it the same day.\n",
};

describe("published copies keep the facts", () => {
  const plain = names.filter((n) => !/^MIME-Version:/im.test(readFileSync(join(DIR, `${n}.txt`), "utf8").split(/\r?\n\r?\n/)[0]!));
  for (const [how, transform] of Object.entries(PUBLISHED)) {
    it(how, async () => {
      const failed: string[] = [];
      for (const name of plain) {
        const r = await parseInput(Buffer.from(transform(readFileSync(join(DIR, `${name}.txt`), "utf8"))));
        const c = r.items.length === 1 ? compareFacts(expectedOf(name), noticeToJson(r.items[0]!.notice)) : { diffs: [`${r.items.length} items`] };
        if (c.diffs.length) failed.push(`${name}: ${c.diffs.join("; ")}`);
      }
      expect(failed).toEqual([]);
    });
  }
});

describe("the comparison itself", () => {
  const expected = { activity_type: "dos", case_number: null, instance_ids: ["i-0123456789abcdef0", "i-0c29xxxxxxxx7"], public_ips: ["[2001:DB8::1]"], access_key_ids: [], account_ids: ["111122223333"], protocol: "UDP", remote_ips: [], remote_ports: { count: 12 }, destination_urls: ["https://example.com/a/"], begin_time: "2024-07-10 02:21:07 UTC", end_time: null, regions: ["Europe (Frankfurt)"] };
  const right = { activityType: "dos", instanceIds: ["i-0123456789abcdef0"], publicIps: ["2001:db8::1"], accountIds: ["111122223333"], protocol: "udp", remotePorts: { count: 12 }, destinationUrls: ["https://example.com/a"], window: { begin: "2024-07-10T02:21:07Z", end: null }, regions: ["eu-central-1"] };

  it("agrees when the facts are the same up to the scorer's normalisation (masked ids dropped, names mapped)", () => {
    expect(compareFacts(expected, right)).toMatchObject({ diffs: [], activityRight: true, fp: 0, fn: 0 });
  });

  it("names every difference: a wrong activity, a missed id, an extra port, a wrong second", () => {
    const c = compareFacts(expected, { ...right, activityType: "port_scan", instanceIds: [], remotePorts: [22], window: { begin: "2024-07-10T02:21:08Z", end: null }, caseNumber: "12345678901" });
    expect(c.activityRight).toBe(false);
    expect(c.diffs).toEqual([
      "activityType port_scan != dos",
      'instanceIds missing ["i-0123456789abcdef0"] extra []',
      "remotePorts [22] != 12",
      "caseNumber 12345678901 not expected",
      "beginTime 2024-07-10T02:21:08Z != 2024-07-10 02:21:07 UTC",
    ]);
    expect(c.fn).toBe(3);
    expect(c.fp).toBe(2);
  });
});
