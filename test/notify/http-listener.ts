/** A real HTTP server on loopback that records each request and answers from a script. */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpListener {
  url: string;
  requests: Recorded[];
  /** Answers for the next requests, in order; after them, `fallback`. */
  script: { status: number; body?: string; headers?: Record<string, string>; delayMs?: number }[];
  fallback: { status: number; body?: string };
  close(): Promise<void>;
}

export async function startHttp(): Promise<HttpListener> {
  const l: Omit<HttpListener, "url" | "close"> = { requests: [], script: [], fallback: { status: 200, body: "ok" } };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      l.requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
      const answer: HttpListener["script"][number] = l.script.shift() ?? l.fallback;
      const reply = () => {
        res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
        res.end(answer.body ?? "");
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(l, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
