/**
 * CloudTrail lookups in 17 regions under LookupEvents' quota (issue 13): the CloudTrail reader
 * (`readTrail`) asks every enabled region for the calls made with a leaked key, through the AWS
 * adapter over the real SDK stack, against a loopback endpoint (in a worker thread, so its clock is
 * not held up by the reader's work) that simulates the quota: each region has a token bucket
 * refilled at 2 tokens per second, holding at most 2, one token per request (the way AWS throttles);
 * a request finding no token is refused with ThrottlingException, as CloudTrail does. Each region
 * holds a different number of pages of events.
 *
 * The bound no client can beat is the busiest region's: its pages at 2 per second (pages / 2 s).
 * Target: the wall time within 1.2x of that bound, with no request throttled. For scale, the same
 * pages read one region after another would take the sum over regions of pages / 2 s.
 */
import { Worker } from "node:worker_threads";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAwsPort } from "../src/cloud/aws/index.ts";
import { DEFAULT_REGIONS } from "../src/cloud/model.ts";
import { readTrail } from "../src/investigate/cloudtrail/index.ts";
import type { InvestigateContext, Subject } from "../src/investigate/types.ts";
import type { Bench, Figure } from "./harness.ts";

const ACCOUNT = "111122223333";
const KEY = "AKIAEXAMPLELEAKED001";
const credentials = async () => ({ accessKeyId: "AKIABENCHMARK0000001", secretAccessKey: "bench", accountId: ACCOUNT });
const PER_PAGE = 50;
/** The quota: one token every 500 ms (2 per second), at most BURST held; a little room for the timers' jitter on a loaded machine. */
const QUOTA_MS = 500;
const BURST = 2;
const JITTER_MS = 25;

/**
 * The simulated CloudTrail endpoint runs in a worker thread, on its own event loop: the arrival
 * times it measures are not delayed by the reader's own work on the main thread (an in-process
 * server would see a request late and the next one on time, and call that a burst).
 */
const SERVER = String.raw`
const { parentPort, workerData } = require("node:worker_threads");
const { createServer } = require("node:http");
const { ACCOUNT, KEY, PER_PAGE, QUOTA_MS, JITTER_MS, BURST, pages: pagesList } = workerData;
const pagesOf = new Map(pagesList);
const last = new Map();
const stats = { requests: 0, throttled: 0, minIntervalMs: Infinity };
const regionOf = (req) => (/Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(req.headers.authorization || "")) || [])[1] || "?";
const server = createServer((req, res) => {
  let text = "";
  req.on("data", (c) => (text += c.toString("utf8")));
  req.on("end", () => {
    const target = String(req.headers["x-amz-target"] || "");
    if (target.endsWith(".LookupEvents")) {
      const region = regionOf(req);
      const now = performance.now();
      stats.requests++;
      const prev = last.get(region);
      if (prev !== undefined) stats.minIntervalMs = Math.min(stats.minIntervalMs, now - prev.at);
      // A token bucket per region, as AWS throttles: refilled at 2 tokens per second up to BURST, one token per request.
      const tokens = prev === undefined ? BURST : Math.min(BURST, prev.tokens + (now - prev.at) / QUOTA_MS);
      if (tokens < 1 - JITTER_MS / QUOTA_MS) {
        last.set(region, { at: now, tokens });
        stats.throttled++;
        res.writeHead(400, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": "ThrottlingException" });
        res.end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }));
        return;
      }
      last.set(region, { at: now, tokens: tokens - 1 });
      const input = JSON.parse(text);
      const page = input.NextToken ? Number(input.NextToken) : 0;
      const pages = pagesOf.get(region) || 1;
      const t0 = Date.parse("2026-12-07T05:00:00Z") / 1000;
      const events = [];
      for (let i = 0; i < PER_PAGE; i++) {
        const n = page * PER_PAGE + i;
        const id = region + "-" + n;
        const name = n % 10 === 0 ? "RunInstances" : "DescribeInstances";
        const detail = { eventVersion: "1.09", userIdentity: { type: "IAMUser", accountId: ACCOUNT, arn: "arn:aws:iam::" + ACCOUNT + ":user/ci-deploy", userName: "ci-deploy", accessKeyId: KEY }, eventTime: new Date((t0 - n) * 1000).toISOString().slice(0, 19) + "Z", eventSource: "ec2.amazonaws.com", eventName: name, awsRegion: region, sourceIPAddress: "203.0.113.9", userAgent: "aws-cli/2", requestParameters: {}, responseElements: null, eventID: id, readOnly: n % 10 !== 0, eventType: "AwsApiCall", recipientAccountId: ACCOUNT };
        events.push({ EventId: id, EventName: name, EventTime: t0 - n, EventSource: "ec2.amazonaws.com", Username: "ci-deploy", AccessKeyId: KEY, Resources: [], CloudTrailEvent: JSON.stringify(detail) });
      }
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify(Object.assign({ Events: events }, page + 1 < pages ? { NextToken: String(page + 1) } : {})));
      return;
    }
    const action = new URLSearchParams(text).get("Action");
    res.writeHead(200, { "content-type": "text/xml" });
    if (action === "GetCallerIdentity") res.end("<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::" + ACCOUNT + ":user/bench</Arn><UserId>AIDABENCH</UserId><Account>" + ACCOUNT + "</Account></GetCallerIdentityResult></GetCallerIdentityResponse>");
    else if (action === "DescribeRegions") res.end('<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><regionInfo>' + [...pagesOf.keys()].map((r) => "<item><regionName>" + r + "</regionName><regionEndpoint>ec2." + r + ".amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>").join("") + "</regionInfo></DescribeRegionsResponse>");
    else res.end("<Response><Errors><Error><Code>UnsupportedOperation</Code><Message>" + action + "</Message></Error></Errors></Response>");
  });
});
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
parentPort.on("message", (m) => {
  if (m === "stats") parentPort.postMessage({ stats });
  if (m === "close") server.close(() => process.exit(0));
});
`;

async function loopback(pagesOf: Map<string, number>) {
  const worker = new Worker(SERVER, { eval: true, workerData: { ACCOUNT, KEY, PER_PAGE, QUOTA_MS, JITTER_MS, BURST, pages: [...pagesOf]} });
  const next = () => new Promise<Record<string, unknown>>((resolve, reject) => { worker.once("message", resolve); worker.once("error", reject); });
  const { port } = (await next()) as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    stats: async () => {
      const got = next();
      worker.postMessage("stats");
      return (await got).stats as { requests: number; throttled: number; minIntervalMs: number };
    },
    close: async () => {
      worker.postMessage("close");
      await new Promise((r) => worker.once("exit", r));
    },
  };
}

const subject: Subject = {
  caseId: "bench",
  activityType: "port_scan",
  window: { start: "2026-12-06T00:00:00Z", end: "2026-12-07T06:00:00Z" },
  noticeWindow: { begin: null, end: null },
  remoteIps: [],
  remotePorts: [],
  resources: [],
  principals: [{ accountId: ACCOUNT, kind: "access-key", id: KEY }],
  containedAt: null,
};

const bench: Bench = {
  name: "CloudTrail lookups in 17 regions at LookupEvents' 2 requests/second",
  async run(log) {
    // The busiest region holds MAX pages; the others fewer, each a different number.
    const MAX = Number(process.env.TRAIL_BENCH_PAGES ?? 12);
    const regions = [...DEFAULT_REGIONS];
    const pagesOf = new Map(regions.map((r, i) => [r, 1 + ((i * 5) % MAX)]));
    const server = await loopback(pagesOf);
    const workDir = mkdtempSync(join(tmpdir(), "trail-bench-"));
    try {
      const port = createAwsPort({ region: "us-east-1", credentials, endpoints: { ec2: server.url, sts: server.url, cloudtrail: server.url }, maxAttempts: 3 });
      const ctx: InvestigateContext = { port, options: { marginMinutes: 30, engine: "local", hostTimeoutSeconds: 60 }, now: () => new Date("2026-12-07T12:00:00Z"), workDir };
      const busiest = Math.max(...pagesOf.values());
      const total = [...pagesOf.values()].reduce((a, b) => a + b, 0);
      const bound = (busiest / 2) * 1000;
      const t0 = performance.now();
      const part = await readTrail(ctx, subject);
      const wall = performance.now() - t0;
      const activity = part.findings.find((f) => f.kind === "trail.principal.activity");
      const calls = Number(activity?.figures?.calls ?? 0);
      if (calls !== total * PER_PAGE) throw new Error(`bench: expected ${total * PER_PAGE} events, the reader stated ${calls}`);
      if (part.notSearched.length > 0) throw new Error(`bench: not searched: ${JSON.stringify(part.notSearched)}`);
      const stats = await server.stats();
      log(`${regions.length} regions, ${total} pages of ${PER_PAGE} events (busiest region ${busiest} pages); ${stats.requests} LookupEvents requests, ${stats.throttled} throttled; closest two requests in a region: ${stats.minIntervalMs.toFixed(0)} ms`);
      log(`wall ${wall.toFixed(0)} ms; quota bound ${bound.toFixed(0)} ms (busiest region's pages / 2 per s); one region after another: ${((total / 2) * 1000).toFixed(0)} ms`);
      const figures: Figure[] = [
        {
          name: `readTrail, one key's calls in ${regions.length} regions (${total} pages, busiest ${busiest})`,
          value: wall,
          unit: "ms",
          baseline: { name: "the quota's bound: busiest region's pages / 2 per second", value: bound },
          better: "lower",
          target: { text: "<= 1.2x the quota's bound, none throttled", met: wall <= 1.2 * bound && stats.throttled === 0 },
        },
      ];
      return figures;
    } finally {
      await server.close();
      rmSync(workDir, { recursive: true, force: true });
    }
  },
};

export default bench;
