/**
 * A large mbox through `intake`: the peak memory of the process (max RSS) for an mbox of many
 * notices, each with a 1 MiB attachment, against the same command on an mbox of one of them
 * (the cost of the process itself). Streamed, the difference stays far below the input size;
 * read whole (standard input, shown for contrast), it grows with it.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Bench } from "./harness.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(root, "bin", "abuse-desk.js");
const SMALL = 30;
const LARGE = 100;

function message(i: number, attachment: string): string {
  const id = String(70000000000 + i);
  return [
    `From ec2-abuse@amazon.com Tue Mar  5 09:12:00 2024`,
    `From: "Amazon EC2 Abuse" <ec2-abuse@amazon.com>`,
    `Subject: Your AWS Abuse Report [${id}] [AWS ID 111122223333]`,
    `Date: Tue, 05 Mar 2024 09:12:00 +0000`,
    `Message-ID: <bench-${i}@amazon.com>`,
    `MIME-Version: 1.0`,
    `Content-Type: multipart/mixed; boundary="b${i}"`,
    ``,
    `--b${i}`,
    `Content-Type: text/plain; charset=utf-8`,
    ``,
    `AWS ID: 111122223333    Region: us-east-1    EC2 Instance Id: i-0${String(i).padStart(16, "0")} [192.0.2.${(i % 250) + 1}]`,
    ``,
    `has been implicated in activity which resembles scanning remote hosts on the internet for security vulnerabilities.`,
    ``,
    `--b${i}`,
    `Content-Type: application/octet-stream; name="capture-${i}.pcap"`,
    `Content-Transfer-Encoding: base64`,
    `Content-Disposition: attachment; filename="capture-${i}.pcap"`,
    ``,
    attachment,
    `--b${i}--`,
    ``,
  ].join("\n");
}

function writeMbox(path: string, count: number): number {
  const attachment = (Buffer.alloc(768 * 1024, 7).toString("base64").match(/.{1,76}/g) ?? []).join("\n"); // 1 MiB of base64
  const fd = openSync(path, "w");
  try {
    for (let i = 0; i < count; i++) writeSync(fd, message(i, attachment) + "\n");
  } finally {
    closeSync(fd);
  }
  return statSync(path).size;
}

/** Peak RSS in MiB of `abuse-desk intake` on `file` (or its bytes on stdin), in a fresh data directory. */
function peakRss(file: string, viaStdin: boolean): number {
  const home = mkdtempSync(join(tmpdir(), "abuse-desk-bench-mbox-home-"));
  try {
    const args = ["-f", "%M", process.execPath, BIN, "intake", viaStdin ? "-" : file, "--offline", "--json"];
    const r = spawnSync("/usr/bin/time", args, {
      cwd: root,
      env: { ...process.env, ABUSE_DESK_HOME: home },
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      ...(viaStdin ? { stdio: [openSync(file, "r"), "pipe", "pipe"] } : {}),
    });
    if (r.status !== 0) throw new Error(`intake ${file}: exit ${r.status}: ${r.stderr.slice(-2000)}`);
    const kb = Number(r.stderr.trim().split("\n").pop());
    return kb / 1024;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const bench: Bench = {
  name: "mbox",
  async run(log) {
    const dir = mkdtempSync(join(tmpdir(), "abuse-desk-bench-mbox-"));
    try {
      const files = { one: join(dir, "one.mbox"), small: join(dir, "small.mbox"), large: join(dir, "large.mbox") };
      writeMbox(files.one, 1);
      const small = writeMbox(files.small, SMALL) / 1048576;
      const large = writeMbox(files.large, LARGE) / 1048576;
      log(`mboxes of 1, ${SMALL} and ${LARGE} notices with 1 MiB attachments: ${small.toFixed(1)} and ${large.toFixed(1)} MiB`);
      const base = peakRss(files.one, false);
      const rssSmall = peakRss(files.small, false);
      const rssLarge = peakRss(files.large, false);
      const whole = peakRss(files.large, true);
      log(`peak RSS: one notice ${base.toFixed(0)} MiB; streamed: ${SMALL} notices ${rssSmall.toFixed(0)} MiB, ${LARGE} notices ${rssLarge.toFixed(0)} MiB; ${LARGE} read whole from stdin ${whole.toFixed(0)} MiB`);
      // Bounded: more input, no more memory. The slope of peak RSS against input size, between the two mboxes.
      const slope = Math.max(0, rssLarge - rssSmall) / (large - small);
      return [
        {
          name: `intake FILE.mbox (${large.toFixed(0)} MiB, ${LARGE} notices, streamed): peak RSS`,
          value: rssLarge,
          unit: "MiB",
          baseline: { name: "intake of one of them", value: base },
          better: "lower",
          target: { text: `below the input size plus one notice's (${(large + base).toFixed(0)} MiB)`, met: rssLarge < large + base },
        },
        {
          name: `intake FILE.mbox: peak RSS added per MiB of input (${SMALL} -> ${LARGE} notices)`,
          value: slope,
          unit: "MiB/MiB",
          better: "lower",
          target: { text: "< 0.1 (bounded)", met: slope < 0.1 },
        },
        {
          name: `intake - (the ${LARGE}-notice mbox read whole from stdin, for contrast): peak RSS`,
          value: whole,
          unit: "MiB",
          baseline: { name: "intake of one of them", value: base },
          better: "lower",
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
