/**
 * Triage throughput (issue 2): parse + verify (with cached DNS answers) + the triage report, over
 * an mbox of 10,000 generated notices of mixed formats and MIME shapes, against mailparser alone
 * parsing the same mbox (split into messages, `simpleParser` on each), in the same process.
 *
 * The mailbox is test/verify/mailbox.ts: most notices signed the way AWS signs (From domain +
 * amazonses.com, RSA-2048), the rest forwarded (as an attachment, or inline), forged (unsigned, or
 * signed by the forger) or from look-alike domains. Every pass checks every verdict against what
 * was generated: a fast wrong answer does not meet the target.
 *
 * Nothing is carried from one pass to the next: each pass gets a new DNS cache holding the zone's
 * answers and an empty cache of parsed DKIM keys, and parses and verifies every message again.
 *
 *   TRIAGE_BENCH_COUNT=2000 npm run bench -- triage     (a smaller mailbox)
 */
import type { Bench, Figure } from "./harness.ts";

const COUNT = Number(process.env.TRIAGE_BENCH_COUNT ?? 10_000);
const ROUNDS = 3;

const bench: Bench = {
  name: "triage",
  async run(log) {
    const { parseInput } = await import("../src/notice/index.ts");
    const { splitMbox } = await import("../src/notice/mime/mbox.ts");
    const { verify } = await import("../src/verify/index.ts");
    const { resetDkimKeyCache } = await import("../src/verify/dkim-fast.ts");
    const { triageItem } = await import("../src/triage/index.ts");
    const { generateMailbox, mailboxZone, mboxOf } = await import("../test/verify/mailbox.ts");
    const { NOW } = await import("../test/verify/helpers.ts");
    const { simpleParser } = await import("mailparser");

    const t0 = performance.now();
    const mailbox = await generateMailbox(COUNT, 42);
    const mbox = mboxOf(mailbox);
    const counts = new Map<string, number>();
    for (const m of mailbox) counts.set(m.treatment, (counts.get(m.treatment) ?? 0) + 1);
    log(`mbox: ${COUNT} notices, ${(mbox.length / 1024 / 1024).toFixed(1)} MiB, built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    log(`  ${[...counts].map(([t, n]) => `${t} ${n}`).join(", ")}`);

    // ---- one pass of each, timed as a whole (the split included in both)
    const verdicts: string[] = new Array(COUNT);
    let failures = 0;
    const parseShare: number[] = [];
    const triagePass = async (): Promise<number> => {
      const dns = mailboxZone();
      resetDkimKeyCache();
      const opts = { resolver: dns.resolve, now: NOW };
      const deps = { verify: (item: Parameters<typeof verify>[0]) => verify(item, opts), now: NOW };
      const start = performance.now();
      const parsed = await parseInput(mbox);
      const parsedAt = performance.now();
      for (const item of parsed.items) {
        const report = await triageItem(item, deps);
        verdicts[item.index] = report.verdict.verdict;
      }
      const ms = performance.now() - start;
      parseShare.push((parsedAt - start) / ms);
      failures = parsed.failures.length;
      return ms;
    };
    const mimePass = async (): Promise<number> => {
      const start = performance.now();
      for (const m of splitMbox(mbox)) await simpleParser(m);
      return performance.now() - start;
    };
    const check = (): { wrong: number; lines: string[] } => {
      const wrong = new Map<string, number>();
      for (let i = 0; i < COUNT; i++) {
        if (verdicts[i] !== mailbox[i]!.expect) {
          const k = `${mailbox[i]!.treatment} expected ${mailbox[i]!.expect}, got ${verdicts[i] ?? "nothing"}`;
          wrong.set(k, (wrong.get(k) ?? 0) + 1);
        }
      }
      return { wrong: [...wrong.values()].reduce((a, b) => a + b, 0) + failures, lines: [...wrong].map(([k, n]) => `${n} x ${k}`) };
    };

    // warm-up (untimed), then alternate so background load does not favour either side
    await triagePass();
    const warm = check();
    log(`verdicts as generated: ${COUNT - warm.wrong}/${COUNT}${warm.lines.length ? ` (${warm.lines.join("; ")})` : ""}`);
    const parsedOnce = await parseInput(mbox);
    let facts = 0;
    parsedOnce.items.forEach((it, i) => {
      const e = mailbox[i]!.notice;
      if (it.notice.activityType === e.activityType && it.notice.caseNumber === e.caseNumber && e.instanceIds.every((id) => it.notice.instanceIds.includes(id))) facts++;
    });
    log(`facts as generated (activity, case, instances): ${facts}/${COUNT}`);
    await mimePass();

    const triageMs: number[] = [];
    const mimeMs: number[] = [];
    let wrong = warm.wrong;
    for (let r = 0; r < ROUNDS; r++) {
      triageMs.push(await triagePass());
      wrong = Math.max(wrong, check().wrong);
      mimeMs.push(await mimePass());
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const tMs = med(triageMs);
    const mMs = med(mimeMs);
    log(`passes (ms): triage ${triageMs.map((x) => x.toFixed(0)).join(", ")}; mailparser ${mimeMs.map((x) => x.toFixed(0)).join(", ")}`);
    const share = med(parseShare.slice(1));
    log(`of a triage pass: parse ${(share * 100).toFixed(0)}% (${((share * med(triageMs)) / COUNT * 1000).toFixed(0)} µs a notice), verify + report ${((1 - share) * 100).toFixed(0)}% (${(((1 - share) * med(triageMs)) / COUNT * 1000).toFixed(0)} µs a notice)`);
    const rate = (COUNT / tMs) * 1000;
    const correct = wrong === 0;

    const figures: Figure[] = [
      {
        name: `triage throughput (parse + verify + report), ${COUNT} mixed notices, ${counts.get("genuine") ?? 0} AWS-signed, cached DNS`,
        value: rate,
        unit: "notices/s",
        baseline: { name: "mailparser alone, same mbox", value: (COUNT / mMs) * 1000 },
        better: "higher",
        target: { text: `>= 5,000 notices/s, every verdict as generated${correct ? "" : ` (${wrong} wrong)`}`, met: rate >= 5000 && correct },
      },
      {
        name: "triage time relative to MIME parse alone",
        value: tMs,
        unit: "ms",
        baseline: { name: "mailparser alone", value: mMs },
        better: "lower",
        target: { text: "<= 1.5x MIME parse alone", met: tMs <= 1.5 * mMs && correct },
      },
    ];
    return figures;
  },
};

export default bench;
