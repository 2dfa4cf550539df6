/**
 * A loopback TCP proxy for fault tests: forwards to a server and can cut a connection in the
 * middle of what the server sends (after the first bytes of a marker, such as the start of a
 * fetched message's literal), as a network that drops does.
 */
import { createServer, connect, type Server, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  /** Cut the next `times` connections whose server-to-client stream shows `marker`, `keepBytes` after it. */
  cutOn(marker: string, times: number, keepBytes?: number): void;
  /** Rewrite what the server sends (each chunk, as latin1 text), as a hostile or broken server would send it. */
  rewrite(fn: ((chunk: string) => string) | null): void;
  /** How many connections were cut. */
  cuts: number;
  connections: number;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let rule: { marker: string; times: number; keep: number } | null = null;
  let rewriter: ((chunk: string) => string) | null = null;
  const state = { cuts: 0, connections: 0 };
  const server: Server = createServer((client) => {
    state.connections++;
    const upstream = connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    let tail = "";
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
    client.on("data", (d: Buffer) => upstream.write(d));
    upstream.on("data", (d: Buffer) => {
      if (rewriter) d = Buffer.from(rewriter(d.toString("latin1")), "latin1");
      if (rule && rule.times > 0) {
        const text = tail + d.toString("latin1");
        const at = text.indexOf(rule.marker);
        if (at >= 0) {
          rule.times--;
          state.cuts++;
          const upto = Math.max(0, at + rule.marker.length + rule.keep - tail.length);
          client.write(d.subarray(0, Math.min(upto, d.length)), () => end());
          return;
        }
        tail = text.slice(-rule.marker.length);
      }
      client.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const a = server.address();
  const port = typeof a === "object" && a ? a.port : 0;
  return {
    port,
    rewrite(fn) {
      rewriter = fn;
    },
    cutOn(marker, times, keepBytes = 8) {
      rule = { marker, times, keep: keepBytes };
    },
    get cuts() {
      return state.cuts;
    },
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
