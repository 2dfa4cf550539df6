/**
 * CloudTrail lookups in 17 regions under LookupEvents' quota (issue 13): the CloudTrail reader
 * (`readTrail`) asks every enabled region for the calls made with a leaked key, through the AWS
 * adapter over the real SDK stack, against a loopback endpoint that simulates the quota: each
 * region answers at most 2 requests per second (a request sooner than 500 ms after the previous one
 * in its region is refused with ThrottlingException, as CloudTrail does) and holds a different
 * number of pages of events.
 *
 * The bound no client can beat is the busiest region's: its pages at 2 per second (pages / 2 s).
 * Target: the wall time within 1.2x of that bound, with no request throttled. For scale, the same
 * pages read one region after another would take the sum over regions of pages / 2 s.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
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
/** The quota's interval, with a little room for the timer's jitter on a loaded machine. */
const QUOTA_MS = 500;
const JITTER_MS = 25;

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let b = "";
    req.on("data", (c: Buffer) => (b += c.toString("utf8")));
    req.on("end", () => resolve(b));
  });
}

/** The region a SigV4-signed request was signed for. */
const regionOf = (req: IncomingMessage) => /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(req.headers.authorization ?? ""))?.[1] ?? "?";

async function loopback(pagesOf: Map<string, number>) {
  const last = new Map<string, number>();
  const stats = { requests: 0, throttled: 0 };
  const server = createServer((req, res) => {
    void body(req).then((text) => {
      const target = String(req.headers["x-amz-target"] ?? "");
      if (target.endsWith(".LookupEvents")) {
        const region = regionOf(req);
        const now = performance.now();
        stats.requests++;
        const prev = last.get(region);
        if (prev !== undefined && now - prev < QUOTA_MS - JITTER_MS) {
          stats.throttled++;
          res.writeHead(400, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": "ThrottlingException" });
          res.end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }));
          return;
        }
        last.set(region, now);
        const input = JSON.parse(text) as { NextToken?: string };
        const page = input.NextToken ? Number(input.NextToken) : 0;
        const pages = pagesOf.get(region) ?? 1;
        const t0 = Date.parse("2026-12-07T05:00:00Z") / 1000;
        const events = Array.from({ length: PER_PAGE }, (_, i) => {
          const n = page * PER_PAGE + i;
          const id = `${region}-${n}`;
          const detail = { eventVersion: "1.09", userIdentity: { type: "IAMUser", accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/ci-deploy`, userName: "ci-deploy", accessKeyId: KEY }, eventTime: new Date((t0 - n) * 1000).toISOString().slice(0, 19) + "Z", eventSource: "ec2.amazonaws.com", eventName: n % 10 === 0 ? "RunInstances" : "DescribeInstances", awsRegion: region, sourceIPAddress: "203.0.113.9", userAgent: "aws-cli/2", requestParameters: {}, responseElements: null, eventID: id, readOnly: n % 10 !== 0, eventType: "AwsApiCall", recipientAccountId: ACCOUNT };
          return { EventId: id, EventName: detail.eventName, EventTime: t0 - n, EventSource: detail.eventSource, Username: "ci-deploy", AccessKeyId: KEY, Resources: [], CloudTrailEvent: JSON.stringify(detail) };
        });
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify({ Events: events, ...(page + 1 < pages ? { NextToken: String(page + 1) } : {}) }));
        return;
      }
      const action = new URLSearchParams(text).get("Action");
      res.writeHead(200, { "content-type": "text/xml" });
      if (action === "GetCallerIdentity")
        res.end(`<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT}:user/bench</Arn><UserId>AIDABENCH</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`);
      else if (action === "DescribeRegions")
        res.end(
          `<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><regionInfo>${[...pagesOf.keys()].map((r) => `<item><regionName>${r}</regionName><regionEndpoint>ec2.${r}.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>`).join("")}</regionInfo></DescribeRegionsResponse>`,
        );
      else res.end(`<Response><Errors><Error><Code>UnsupportedOperation</Code><Message>${action}</Message></Error></Errors></Response>`);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stats, close: () => new Promise<void>((r) => server.close(() => r())) };
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
      log(`${regions.length} regions, ${total} pages of ${PER_PAGE} events (busiest region ${busiest} pages); ${server.stats.requests} LookupEvents requests, ${server.stats.throttled} throttled`);
      log(`wall ${wall.toFixed(0)} ms; quota bound ${bound.toFixed(0)} ms (busiest region's pages / 2 per s); one region after another: ${((total / 2) * 1000).toFixed(0)} ms`);
      const figures: Figure[] = [
        {
          name: `readTrail, one key's calls in ${regions.length} regions (${total} pages, busiest ${busiest})`,
          value: wall,
          unit: "ms",
          baseline: { name: "the quota's bound: busiest region's pages / 2 per second", value: bound },
          better: "lower",
          target: { text: "<= 1.2x the quota's bound, none throttled", met: wall <= 1.2 * bound && server.stats.throttled === 0 },
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
