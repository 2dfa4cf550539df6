/**
 * The service under test: built as `abuse-desk serve` builds it (openService), on a data directory
 * of its own, the bundled simulated account, the drill's policy, and verification against the
 * drill's recorded DNS answers (no live DNS). Notifications go to an in-memory channel.
 */
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CloudPort } from "../../src/cloud/port.ts";
import type { NotifySettings } from "../../src/notify/config.ts";
import type { Channel, NotifyEvent } from "../../src/notify/types.ts";
import { openService, type OpenServiceOptions } from "../../src/serve/index.ts";
import { serveSettings } from "../../src/serve/config.ts";
import { createLogger } from "../../src/serve/log.ts";
import { DnsCache } from "../../src/verify/dns.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SAMPLE = join(ROOT, "fixtures/samples/port-scan.eml");
export const FORGED = join(ROOT, "fixtures/verify/mail/forged-from-amazon.eml");
export const POLICY = join(ROOT, "fixtures/drill/policy.yaml");

export function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), "abuse-desk-serve-"));
  mkdirSync(join(home, "inbox"), { recursive: true });
  return home;
}

export function drillVerify() {
  const dns = DnsCache.parse(readFileSync(join(ROOT, "fixtures/drill/dns.json"), "utf8"), { missCode: "ENOTFOUND" });
  return { resolver: dns.resolve };
}

/** A channel that keeps what it is sent. */
export function memoryChannel(): { channel: Channel; events: NotifyEvent[]; settings: NotifySettings } {
  const events: NotifyEvent[] = [];
  const channel: Channel = {
    name: "memory",
    kind: "webhook",
    events: "all",
    async deliver(e) {
      events.push(e);
      return { ok: true, status: 200 };
    },
  };
  return { channel, events, settings: { channels: [channel], retry: { attempts: 1, initialDelayMs: 0, maxDelayMs: 0 }, deadlineWarningHours: 4 } };
}

/** Counts every call the pipeline makes to the account, and lets a test fail or intercept them. */
export function countingPort(port: CloudPort, before?: (method: string, n: number) => void): { port: CloudPort; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(port, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv) as unknown;
      if (typeof v !== "function" || prop === "close" || typeof prop !== "string") return v;
      return (...args: unknown[]) => {
        calls.push(prop);
        before?.(prop, calls.length);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { port: proxy, calls };
}

export interface TestServiceOptions extends Omit<OpenServiceOptions, "settings" | "home" | "env"> {
  home: string;
  /** The environment serve's entry would read (default: the data directory alone). */
  env?: OpenServiceOptions["env"];
  intake?: Record<string, unknown>;
}

export async function testService(o: TestServiceOptions) {
  const settings = serveSettings(
    { path: null, data: { intake: { account: "sim", policy: POLICY, dir: { path: join(o.home, "inbox"), settleMs: 0 }, retry: { maxAttempts: 3, backoffMs: 0, maxBackoffMs: 0 }, http: false, ...o.intake } } },
    {},
  );
  return openService({
    log: createLogger({ level: "silent" }),
    verifyOptions: drillVerify(),
    notify: null,
    ...o,
    env: o.env ?? { ABUSE_DESK_HOME: o.home },
    settings,
  });
}

/** The drill's notice with its own AWS case number and Message-ID, DKIM-signed as the drill signs it (authentic against the drill's DNS answers). */
export async function signedVariant(n: number, now = new Date()): Promise<Buffer> {
  const template = readFileSync(join(ROOT, "fixtures/drill/notice.eml.template"), "utf8");
  const received = new Date(now.getTime() - 5 * 60_000);
  const end = new Date(received.getTime() - 40 * 60_000);
  const begin = new Date(end.getTime() - 31 * 60_000);
  const awsTime = (d: Date) => d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  const values: Record<string, string> = { date: received.toUTCString().replace("GMT", "+0000"), messageId: `serve-test-${n}-${now.getTime()}`, begin: awsTime(begin), end: awsTime(end) };
  const text = template
    .replace(/31415926535/g, `3141${String(n).padStart(7, "0")}`)
    .replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k] ?? "")
    .replace(/\r?\n/g, "\r\n");
  return signAsDrill(text, received);
}

/** A message DKIM-signed as amazon.com with the drill's key (authentic against the drill's recorded DNS answers, drillVerify). */
export async function signAsDrill(text: string, at: Date): Promise<Buffer> {
  const { dkimSign } = await import("mailauth/lib/dkim/sign.js");
  const signed = (await dkimSign(text, {
    signTime: at,
    signatureData: [{ signingDomain: "amazon.com", selector: "abusedesk-drill", privateKey: readFileSync(join(ROOT, "fixtures/drill/dkim.pem"), "utf8") }],
  } as never)) as { signatures: string };
  return Buffer.from(signed.signatures + text);
}
