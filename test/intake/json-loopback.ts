/**
 * A tiny AWS JSON-protocol endpoint on 127.0.0.1 (AWS Health and SQS speak it: POST /,
 * `X-Amz-Target: <Service>.<Operation>`, a JSON body), for the tests that run the SDK's real stack
 * (endpoint resolution, SigV4 signing, retries, SQS's body checksum) instead of a mocked `send`.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface JsonReceived {
  /** The operation: `DescribeEvents`, `ReceiveMessage`... */
  op: string;
  body: Record<string, unknown>;
  /** The signing region read from the Authorization header's credential scope. */
  signingRegion: string;
  signingService: string;
  authorization: string;
}

export type JsonAnswer = { status: number; body: unknown };
export type JsonHandler = (req: JsonReceived, n: number) => JsonAnswer | Promise<JsonAnswer>;

export interface JsonLoopback {
  url: string;
  received: JsonReceived[];
  close(): Promise<void>;
}

export async function startJsonLoopback(handler: JsonHandler): Promise<JsonLoopback> {
  const received: JsonReceived[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const target = String(req.headers["x-amz-target"] ?? "");
    const authorization = String(req.headers.authorization ?? "");
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization);
    const r: JsonReceived = {
      op: target.split(".").pop() ?? "",
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      signingRegion: scope?.[1] ?? "",
      signingService: scope?.[2] ?? "",
      authorization,
    };
    received.push(r);
    const answer = await handler(r, received.filter((x) => x.op === r.op).length);
    res.writeHead(answer.status, { "content-type": "application/x-amz-json-1.1" });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** AWS JSON protocol's error body. */
export function jsonError(type: string, message: string, status: number): JsonAnswer {
  return { status, body: { __type: type, message } };
}
