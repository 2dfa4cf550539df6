/**
 * No regular expression backtracks catastrophically: 1 MiB inputs made of the patterns' own
 * characters all parse, and to the right answer. How fast is measured in bench/parse.bench.ts;
 * here a catastrophic pattern would show as a test that never finishes (the suite's timeout).
 */
import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/notice/index.ts";
import { UserError } from "../../src/errors.ts";
import type { Notice } from "../../src/notice/types.ts";
import { adversarialInputs } from "./helpers/adversarial.ts";

async function parse(text: string): Promise<Notice[]> {
  try {
    return (await parseInput(Buffer.from(text))).items.map((i) => i.notice);
  } catch (e) {
    if (e instanceof UserError) return [];
    throw e;
  }
}

describe("adversarial 1 MiB inputs", () => {
  for (const a of adversarialInputs()) {
    it(`${a.name}: parses`, async () => {
      const notices = await parse(a.text);
      for (const n of notices) {
        for (const id of n.instanceIds) expect(id).toMatch(/^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/);
        for (const k of n.accessKeyIds) expect(k).toMatch(/^(?:AKIA|ASIA)[A-Z0-9]{16}$/);
      }
    });
  }

  it("the answers are right, not just quick", async () => {
    const inputs = Object.fromEntries(adversarialInputs().map((a) => [a.name, a.text]));
    const [masks] = await parse(inputs["x masks"]!);
    expect(masks!.instanceIds).toEqual([]);
    const [lines] = await parse(inputs["many short lines"]!);
    expect(lines!.remoteIps).toEqual(["203.0.113.5"]);
    const [ids] = await parse(inputs["instance id prefixes"]!);
    expect(ids!.instanceIds).toEqual([]); // "i-0123456789abcdefi-0..." has no delimited 8- or 17-hex id
    const [regions] = await parse(inputs["region fragments"]!);
    expect(regions!.regions).toEqual([]);
  });
});
