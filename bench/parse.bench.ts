/**
 * Notice parsing speed.
 *  (a) an mbox of 10,000 generated notices of mixed formats and MIME shapes, parsed by parseInput,
 *      against mailparser alone parsing the same messages (the MIME library by itself);
 *  (b) the slowest of the 1 MiB adversarial inputs (test/notice/helpers/adversarial.ts), against a
 *      1 MiB benign notice text.
 */
import type { Bench, Figure } from "./harness.ts";
import { median } from "./harness.ts";

const COUNT = 10_000;

const bench: Bench = {
  name: "notice parse",
  async run(log) {
    const { parseInput } = await import("../src/notice/index.ts");
    const { splitMbox } = await import("../src/notice/mime/mbox.ts");
    const { generateMbox } = await import("../test/notice/helpers/generate.ts");
    const { adversarialInputs } = await import("../test/notice/helpers/adversarial.ts");
    const { simpleParser } = await import("mailparser");

    const { mbox, expected } = generateMbox(COUNT, 42);
    log(`mbox: ${COUNT} notices, ${(mbox.length / 1024 / 1024).toFixed(1)} MiB`);

    // correctness first: a fast parser that is wrong is not a result
    const check = await parseInput(mbox);
    let right = 0;
    check.items.forEach((it, i) => {
      const e = expected[i]!;
      if (it.notice.activityType === e.activityType && it.notice.caseNumber === e.caseNumber && e.instanceIds.every((id) => it.notice.instanceIds.includes(id))) right++;
    });
    log(`parsed ${check.items.length} items, ${check.failures.length} failures; ${right}/${COUNT} with activity, case and instances as generated`);

    const parseMs = await median(() => parseInput(mbox), 3, 1);
    const messages = splitMbox(mbox);
    const mimeMs = await median(async () => {
      for (const m of messages) await simpleParser(m);
    }, 3, 1);
    const parseRate = (COUNT / parseMs) * 1000;
    const mimeRate = (COUNT / mimeMs) * 1000;

    // (b) adversarial inputs
    const benign = Buffer.from(("We've received a report(s) that your AWS resource(s)\nAWS ID: 111122223333    Region: eu-west-1    EC2 Instance Id: i-0123456789abcdef0 [192.0.2.1]\nhas been implicated in activity which resembles scanning remote hosts on the internet.\n").repeat(4200).slice(0, 1024 * 1024));
    const benignMs = await median(() => parseInput(benign), 3, 1);
    let worst = { name: "", ms: 0 };
    for (const a of adversarialInputs()) {
      const buf = Buffer.from(a.text);
      const ms = await median(() => parseInput(buf).catch(() => undefined), 1, 0);
      if (ms > worst.ms) worst = { name: a.name, ms };
    }
    log(`slowest adversarial input: ${worst.name}`);

    const figures: Figure[] = [
      {
        name: `parse throughput, ${COUNT} mixed notices (mbox)`,
        value: parseRate,
        unit: "notices/s",
        baseline: { name: "mailparser alone, same messages", value: mimeRate },
        better: "higher",
        target: { text: ">= 10,000 notices/s (leaves the triage target of 5,000/s room for verify)", met: parseRate >= 10_000 },
      },
      {
        name: "parse time relative to MIME parse alone",
        value: parseMs,
        unit: "ms",
        baseline: { name: "mailparser alone", value: mimeMs },
        better: "lower",
        target: { text: "<= 0.75x MIME parse alone (triage must stay <= 1.5x)", met: parseMs <= 0.75 * mimeMs },
      },
      {
        name: "slowest 1 MiB adversarial input",
        value: worst.ms,
        unit: "ms",
        baseline: { name: "1 MiB benign notice text", value: benignMs },
        better: "lower",
        target: { text: "< 1000 ms", met: worst.ms < 1000 },
      },
    ];
    return figures;
  },
};

export default bench;
