/**
 * A tiny AWS query-protocol endpoint on 127.0.0.1, for the tests that need the real SDK stack
 * (endpoint resolution, signing, the retry strategy, credential providers) rather than a mocked
 * `send`: each request's Action is answered by a handler with a status and an XML body. JSON
 * protocols (SES v2's rest-json, Lightsail's awsJson1_1) are answered too: the handler sees the
 * method, path, X-Amz-Target and raw body, and gives its answer's content type in `headers`.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  action: string;
  params: URLSearchParams;
  host: string;
  path: string;
  authorization: string;
  method: string;
  /** X-Amz-Target (JSON protocols): `Lightsail_20161128.GetInstances`. */
  target: string;
  contentType: string;
  /** The raw request body. */
  body: string;
  /** S3 Control's x-amz-account-id header. */
  accountIdHeader?: string;
}

export type Answer = { status: number; body: string; headers?: Record<string, string> };
export type Handler = (req: Received, n: number) => Answer;

export interface Loopback {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startLoopback(handler: Handler): Promise<Loopback> {
  const received: Received[] = [];
  const server: Server = createServer(async (req, res) => {
    const raw = await body(req);
    const contentType = String(req.headers["content-type"] ?? "");
    const params = new URLSearchParams(contentType.startsWith("application/x-www-form-urlencoded") ? raw : "");
    const r: Received = {
      action: params.get("Action") ?? "",
      params,
      host: req.headers.host ?? "",
      path: req.url ?? "",
      authorization: String(req.headers.authorization ?? ""),
      method: req.method ?? "",
      target: String(req.headers["x-amz-target"] ?? ""),
      contentType,
      body: raw,
    };
    if (typeof req.headers["x-amz-account-id"] === "string") r.accountIdHeader = req.headers["x-amz-account-id"];
    received.push(r);
    const answer = handler(r, received.filter((x) => x.action === r.action).length);
    res.writeHead(answer.status, { "content-type": "text/xml", ...answer.headers });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** EC2's error envelope. */
export function ec2Error(code: string, message: string, status: number): Answer {
  return {
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>req-1</RequestID></Response>`,
  };
}

export function describeVpcsOk(vpcId = "vpc-0loopback00000001"): Answer {
  return {
    status: 200,
    body: `<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId><vpcSet><item><vpcId>${vpcId}</vpcId><cidrBlock>10.0.0.0/16</cidrBlock><isDefault>false</isDefault></item></vpcSet></DescribeVpcsResponse>`,
  };
}

export function describeRegionsOk(regions: string[]): Answer {
  const items = regions.map((r) => `<item><regionName>${r}</regionName><regionEndpoint>ec2.${r}.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>`).join("");
  return { status: 200, body: `<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId><regionInfo>${items}</regionInfo></DescribeRegionsResponse>` };
}

export function callerIdentityOk(account: string): Answer {
  return {
    status: 200,
    body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${account}:user/responder</Arn><UserId>AIDAEXAMPLE</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  };
}
