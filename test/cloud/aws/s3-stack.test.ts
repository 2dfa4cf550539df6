/**
 * S3 reads (listObjects, getObject) over the SDK's real stack against a loopback S3, path-style as an
 * emulator user configures it: signing for S3 in the bucket's region, ExpectedBucketOwner on the
 * wire, ListObjectsV2 pagination, GetObject streamed to disk and bounded whether or not the server
 * announces the length. No aws-sdk-client-mock in this file: it would replace the stack.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createAwsPort } from "../../../src/cloud/aws/index.ts";
import { CloudError } from "../../../src/cloud/errors.ts";
import { CALLER, REGION, staticCredentials } from "./helpers.ts";
import { callerIdentityOk } from "./loopback.ts";

const dir = mkdtempSync(join(tmpdir(), "abuse-desk-s3-stack-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `f${++n}`);

describe("S3 reads over the SDK's real stack (loopback, path-style)", () => {
  const BIG = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 31) & 0xff;
  const seen: { method: string; url: string; owner: string | undefined; authorization: string }[] = [];
  let server: Server;
  let url = "";

  const start = async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks).toString("utf8");
      if (req.method === "POST" && body.includes("Action=GetCallerIdentity")) {
        const a = callerIdentityOk(CALLER);
        res.writeHead(a.status, { "content-type": "text/xml" });
        res.end(a.body);
        return;
      }
      seen.push({ method: req.method ?? "", url: req.url ?? "", owner: req.headers["x-amz-expected-bucket-owner"] as string | undefined, authorization: String(req.headers.authorization ?? "") });
      const u = new URL(req.url ?? "/", "http://x");
      if (u.searchParams.has("location")) {
        res.writeHead(200, { "content-type": "application/xml" });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-1</LocationConstraint>`);
      } else if (u.searchParams.get("list-type") === "2") {
        const token = u.searchParams.get("continuation-token");
        const keys = token ? ["logs/c.gz"] : ["logs/a.gz", "logs/b.gz"];
        const contents = keys.map((k) => `<Contents><Key>${k}</Key><LastModified>2025-05-01T10:00:00.000Z</LastModified><Size>10</Size></Contents>`).join("");
        res.writeHead(200, { "content-type": "application/xml" });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>logs-bucket</Name><Prefix>logs/</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>${token ? "false" : "true"}</IsTruncated>${token ? "" : "<NextContinuationToken>tok-1</NextContinuationToken>"}${contents}</ListBucketResult>`);
      } else if (u.pathname === "/logs-bucket/logs/big.gz") {
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(BIG.length) });
        res.end(BIG);
      } else if (u.pathname === "/logs-bucket/logs/unannounced.gz") {
        // No Content-Length (chunked): the bound must hold while streaming.
        res.writeHead(200, { "content-type": "application/octet-stream" });
        for (let i = 0; i < BIG.length; i += 65536) res.write(BIG.subarray(i, i + 65536));
        res.end();
      } else {
        res.writeHead(404, { "content-type": "application/xml" });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`);
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));
  const port = () => createAwsPort({ region: REGION, credentials: staticCredentials, endpoints: { s3: url, sts: url }, maxAttempts: 1 });

  it("lists across pages and streams a 3 MB object to disk, signed for S3 in the bucket's region, ExpectedBucketOwner on every request", async () => {
    await start();
    const p = port();
    const listed = await p.listObjects(CALLER, "logs-bucket", "logs/");
    expect(listed.objects.map((o) => o.key)).toEqual(["logs/a.gz", "logs/b.gz", "logs/c.gz"]);
    const f = fresh();
    expect(await p.getObject(CALLER, "logs-bucket", "logs/big.gz", f)).toEqual({ bytes: BIG.length });
    expect(readFileSync(f).equals(BIG)).toBe(true);
    expect(seen.map((s) => s.owner)).toEqual([CALLER, CALLER, CALLER, CALLER]);
    expect(seen[0]!.url).toContain("location");
    expect(seen[1]!.url).toMatch(/^\/logs-bucket\/?\?list-type=2&.*prefix=logs%2F/);
    expect(seen[2]!.url).toContain("continuation-token=tok-1");
    expect(seen[3]!.url).toMatch(/^\/logs-bucket\/logs\/big\.gz/);
    for (const s of seen) expect(s.authorization).toMatch(/Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request/);
    p.close();
  });

  it("refuses an object over the bound, announced or not, and leaves no file", async () => {
    const p = port();
    for (const key of ["logs/big.gz", "logs/unannounced.gz"]) {
      const f = fresh();
      const e = (await p.getObject(CALLER, "logs-bucket", key, f, { maxBytes: 1024 * 1024 }).catch((err: unknown) => err)) as CloudError;
      expect(e).toBeInstanceOf(CloudError);
      expect(e.code).toBe("ObjectTooLarge");
      expect(() => statSync(f)).toThrow();
    }
    const missing = (await p.getObject(CALLER, "logs-bucket", "logs/none.gz", fresh()).catch((err: unknown) => err)) as CloudError;
    expect(missing.kind).toBe("not-found");
    p.close();
  });
});
