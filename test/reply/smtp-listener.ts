/**
 * A real SMTP listener on loopback (smtp-server), random port: what the reply and notification
 * tests send to. It records every accepted message with its envelope and raw bytes.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface Received {
  from: string;
  to: string[];
  raw: Buffer;
  secure: boolean;
  user: string | undefined;
}

export interface Listener {
  port: number;
  received: Received[];
  close(): Promise<void>;
}

export async function startSmtp(opts: { starttls?: boolean; auth?: { user: string; pass: string }; rejectRecipients?: string[] } = {}): Promise<Listener> {
  const received: Received[] = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: [...(opts.starttls ? [] : ["STARTTLS"]), ...(opts.auth ? [] : ["AUTH"])],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) cb(null, { user: auth.username });
      else cb(new Error("535 authentication failed"));
    },
    onRcptTo(address, _session, cb) {
      if (opts.rejectRecipients?.includes(address.address)) cb(Object.assign(new Error("550 5.1.1 no such user"), { responseCode: 550 }));
      else cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
          user: session.user as string | undefined,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
