/**
 * A tiny authoritative DNS server on loopback (UDP), answering from a DnsCache-style record set:
 * enough for node:dns (c-ares) to resolve TXT and A records in tests, so the production resolver
 * path (systemResolver, --dns-server, --dns-cache saving) runs for real without the network.
 */
import { createSocket, type Socket } from "node:dgram";
import type { DnsCacheFile } from "../../src/verify/dns.ts";

const TYPES: Record<number, string> = { 1: "A", 16: "TXT", 15: "MX", 28: "AAAA" };

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  while (msg[i]! !== 0) {
    const len = msg[i]!;
    labels.push(msg.toString("latin1", i + 1, i + 1 + len));
    i += 1 + len;
  }
  return { name: labels.join(".").toLowerCase(), end: i + 1 };
}

function encodeRdata(type: string, value: unknown): Buffer {
  if (type === "TXT") {
    const chunks = (value as string[]).flatMap((s) => {
      const b = Buffer.from(s);
      const parts: Buffer[] = [];
      for (let i = 0; i < b.length; i += 255) parts.push(b.subarray(i, i + 255));
      return parts.length ? parts : [Buffer.alloc(0)];
    });
    return Buffer.concat(chunks.flatMap((c) => [Buffer.from([c.length]), c]));
  }
  if (type === "A") return Buffer.from(String(value).split(".").map(Number));
  throw new Error(`dns-server: cannot encode ${type}`);
}

export interface TestDnsServer {
  port: number;
  queries: string[];
  close(): Promise<void>;
}

export async function startDnsServer(zone: DnsCacheFile): Promise<TestDnsServer> {
  const socket: Socket = createSocket("udp4");
  const queries: string[] = [];
  socket.on("message", (msg, rinfo) => {
    const id = msg.readUInt16BE(0);
    const { name, end } = readName(msg, 12);
    const qtype = msg.readUInt16BE(end);
    const type = TYPES[qtype] ?? String(qtype);
    queries.push(`${type} ${name}`);
    const entry = zone.entries[`${type} ${name}`];
    const question = msg.subarray(12, end + 4);
    const answers = entry && "answer" in entry ? entry.answer : [];
    const rcode = entry && "answer" in entry ? 0 : entry && entry.error === "ENODATA" ? 0 : 3;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(id, 0);
    header.writeUInt16BE(0x8400 | 0x0100 | rcode, 2); // response, authoritative, recursion desired, rcode
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const records = answers.map((a) => {
      const rdata = encodeRdata(type, a);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      rr.writeUInt16BE(qtype, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(60, 6);
      rr.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([rr, rdata]);
    });
    socket.send(Buffer.concat([header, question, ...records]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    port: socket.address().port,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
