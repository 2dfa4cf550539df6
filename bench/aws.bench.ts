/**
 * The AWS adapter over the real SDK stack (signing, HTTP, XML, retries), against a loopback
 * endpoint that answers every EC2 call after an injected latency L:
 * - one instance id looked for in 17 regions at once (a client per region, a concurrency cap per
 *   region) against the same 17 lookups one after the other: the regions must overlap (<= 2L);
 * - the adapter's own cost per call (session, account check, limiter, filters, translation) against
 *   a bare SDK client reading the same request through the SDK's paginator: it must stay small
 *   (<= 1.25x).
 * The SDK itself spends a few milliseconds of CPU per call (serialising, signing, parsing), on one
 * thread: that is why 17 parallel lookups take L plus about 17 times that, not L.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { EC2Client, paginateDescribeInstances } from "@aws-sdk/client-ec2";
import { createAwsPort } from "../src/cloud/aws/index.ts";
import { DEFAULT_REGIONS } from "../src/cloud/model.ts";
import { median, time, type Bench } from "./harness.ts";

const ACCOUNT = "111122223333";
const credentials = async () => ({ accessKeyId: "AKIABENCHMARK0000001", secretAccessKey: "bench", accountId: ACCOUNT });

async function loopback(latencyMs: number) {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const action = new URLSearchParams(body).get("Action");
      setTimeout(() => {
        res.writeHead(200, { "content-type": "text/xml" });
        if (action === "GetCallerIdentity")
          res.end(
            `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT}:user/bench</Arn><UserId>AIDABENCH</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
          );
        else res.end(`<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><reservationSet/></DescribeInstancesResponse>`);
      }, latencyMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const bench: Bench = {
  name: "AWS adapter over the SDK stack (loopback endpoint)",
  async run(log) {
    // A typical API round trip from a responder's laptop to a far region.
    const L = 100;
    const server = await loopback(L);
    try {
      const port = createAwsPort({ region: "us-east-1", credentials, endpoints: { ec2: server.url, sts: server.url }, maxAttempts: 1 });
      const regions = [...DEFAULT_REGIONS];
      const lookup = (region: string) => port.describeInstances({ accountId: ACCOUNT, region }, { instanceIds: ["i-0123456789abcdef0"] });
      const parallel = await median(() => Promise.all(regions.map(lookup)), 5, 3);
      const sequential = await time(async () => {
        for (const r of regions) await lookup(r);
      }, 0);
      log(`latency L = ${L} ms per call, ${regions.length} regions`);

      // Overhead: no latency, many calls, adapter vs the bare client.
      const fast = await loopback(0);
      try {
        const adapter = createAwsPort({ region: "eu-west-1", credentials, endpoints: { ec2: fast.url, sts: fast.url }, maxAttempts: 1 });
        const bare = new EC2Client({ region: "eu-west-1", credentials, endpoint: fast.url, maxAttempts: 1, retryMode: "adaptive" });
        const N = 300;
        const throughAdapter = async () => {
          for (let i = 0; i < N; i++) await adapter.describeInstances({ accountId: ACCOUNT, region: "eu-west-1" }, { publicIps: ["203.0.113.10"] });
        };
        const throughSdk = async () => {
          for (let i = 0; i < N; i++) for await (const page of paginateDescribeInstances({ client: bare }, { Filters: [{ Name: "ip-address", Values: ["203.0.113.10"] }] })) void page;
        };
        // Both warmed up (the JIT), then measured in alternating rounds so drift hits both alike.
        for (let i = 0; i < 3; i++) {
          await throughAdapter();
          await throughSdk();
        }
        const a: number[] = [];
        const b: number[] = [];
        for (let i = 0; i < 7; i++) {
          a.push(await time(throughAdapter, 0));
          b.push(await time(throughSdk, 0));
        }
        const mid = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
        const viaAdapter = mid(a);
        const viaSdk = mid(b);
        log(`${N} sequential DescribeInstances (median of 7 alternating rounds): adapter ${viaAdapter.toFixed(0)} ms, bare SDK client ${viaSdk.toFixed(0)} ms`);
        return [
          {
            name: `one instance id in ${regions.length} regions, in parallel (L=${L} ms)`,
            value: parallel,
            unit: "ms",
            baseline: { name: "the same lookups one region after another", value: sequential },
            better: "lower",
            target: { text: `<= 2L (${2 * L} ms)`, met: parallel <= 2 * L },
          },
          {
            name: `adapter cost per call (${N} DescribeInstances, no latency)`,
            value: viaAdapter / N,
            unit: "ms/call",
            baseline: { name: "bare SDK client and paginator, same request", value: viaSdk / N },
            better: "lower",
            target: { text: "<= 1.25x the bare client", met: viaAdapter <= 1.25 * viaSdk },
          },
        ];
      } finally {
        await fast.close();
      }
    } finally {
      await server.close();
    }
  },
};

export default bench;
