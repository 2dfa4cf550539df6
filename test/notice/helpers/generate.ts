/**
 * Generated AWS abuse notices for benchmarks and property tests: an mbox of N messages in the
 * formats AWS sends (legacy EC2, 2017+ with auto-detected details, Trust & Safety labelled lines,
 * exposed credentials, SES, follow-ups, resolved), in the MIME shapes mail arrives in (7bit,
 * quoted-printable, base64, multipart/alternative, HTML-only). Deterministic for a seed.
 * Ids and addresses are made up (documentation ranges, account 1111222233xx).
 *
 * Exported for reuse: bench/parse.bench.ts and the full triage bench use `generateMbox`.
 */
import type { ActivityType } from "../../../src/notice/types.ts";
import { rng } from "../../../src/cloud/sim/generate.ts";

export interface GeneratedNotice {
  /** The RFC 822 message. */
  message: string;
  expected: { activityType: ActivityType; caseNumber: string | null; instanceIds: string[]; accountIds: string[] };
}

export { rng };

const HEX = "0123456789abcdef";
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-southeast-2", "sa-east-1"];
const ACTIVITIES: [string, ActivityType][] = [
  ["scanning remote hosts on the internet for security vulnerabilities", "port_scan"],
  ["attempts to access remote hosts on the internet without authorization", "intrusion"],
  ["a Denial of Service attack against remote hosts", "dos"],
  ["the sending of spam or unsolicited email", "spam_email"],
  ["web-crawling", "crawling"],
  ["an open proxy", "open_proxy"],
];
const TS_ACTIVITIES: [string, ActivityType][] = [["Port Scanning", "port_scan"], ["Intrusion Attempts", "intrusion"], ["Open Proxy", "open_proxy"], ["Denial of Service", "dos"]];

export function makeGenerator(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const hex = (n: number) => Array.from({ length: n }, () => HEX[Math.floor(r() * 16)]).join("");
  const instance = () => `i-0${hex(16)}`;
  const account = () => `1111222233${String(int(10, 99))}`;
  const ip = (prefix: string) => `${prefix}.${int(1, 254)}`;
  const caseNo = () => String(int(10000000000, 99999999999));
  const date = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 3_600_000 + int(0, 3_599_999));
  const rfc2822 = (d: Date) => d.toUTCString().replace("GMT", "+0000");
  const utc = (d: Date) => d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");

  function aws2017(i: number): GeneratedNotice & { subject: string; from: string } {
    const acct = account();
    const region = pick(REGIONS);
    const ids = Array.from({ length: int(1, 3) }, instance);
    const [phrase, type] = pick(ACTIVITIES);
    const cs = caseNo();
    const d = date(i);
    const lines = ids.map((id) => `AWS ID: ${acct}    Region: ${region}    EC2 Instance Id: ${id} [${ip("198.51.100")}]`);
    const body = [
      "Hello,",
      "",
      "We've received a report(s) that your AWS resource(s)",
      "",
      ...lines,
      "",
      `has been implicated in activity which resembles ${phrase}. Activity of this nature is forbidden in the AWS Acceptable Use Policy (https://aws.amazon.com/aup/). We've included the original report below for your review.`,
      "",
      "Please take action to stop the reported activity and reply directly to this email with details of the corrective actions you have taken.",
      "",
      "Details of the abusive activity:",
      "",
      `Instance Id: ${ids[0]}`,
      `Report begin time: ${utc(new Date(d.getTime() - 3_600_000))}`,
      `Report end time: ${utc(d)}`,
      "",
      `Protocol: ${pick(["TCP", "UDP"])}`,
      `Remote IP: ${ip("203.0.113")}`,
      `Remote port(s): ${r() < 0.3 ? `multiple ports (${int(50, 5000)} ports in total)` : String(pick([22, 23, 80, 443, 3389, 5060]))}`,
      "",
      `Total bytes sent: ${int(1000, 9_000_000)}`,
      `Total packets sent: ${int(10, 90_000)}`,
      "",
      "Regards,",
      "AWS Abuse",
    ].join("\n");
    return { subject: `Your AWS Abuse Report [${cs}] [AWS ID ${acct}]`, from: '"Amazon EC2 Abuse" <ec2-abuse@amazon.com>', message: body, expected: { activityType: type, caseNumber: cs, instanceIds: ids, accountIds: [acct] } };
  }

  function legacy(i: number): GeneratedNotice & { subject: string; from: string } {
    const id = `i-${hex(8)}`;
    const cs = `${caseNo()}-${int(1, 3)}`;
    const d = date(i);
    const body = [
      "Dear Amazon EC2 Customer,",
      "",
      "We've received a report that your instance(s):",
      "",
      `Instance Id: ${id}`,
      `IP Address: ${ip("192.0.2")}`,
      "",
      "has been port scanning remote hosts on the Internet; check the information provided below by the abuse reporter.",
      "",
      `Case number: ${cs}`,
      "",
      "Additional abuse report information provided by original abuse reporter:",
      "",
      `* Destination IPs: ${ip("203.0.113")}`,
      `* Destination Ports: ${pick([22, 445, 3389])}`,
      "* Destination URLs:",
      `* Abuse Time: ${d.toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, "$1 $3 $2 $5 UTC $4")}`,
      "* Log Extract:",
      "<<<",
      `${d.toISOString()} SRC=${ip("192.0.2")} DST=${ip("203.0.113")} PROTO=TCP DPT=22`,
      ">>>",
    ].join("\n");
    return { subject: "Your Amazon EC2 Abuse Report", from: "Amazon EC2 Abuse <ec2-abuse@amazon.com>", message: body, expected: { activityType: "port_scan", caseNumber: cs, instanceIds: [id], accountIds: [] } };
  }

  function trustSafety(i: number): GeneratedNotice & { subject: string; from: string } {
    const acct = account();
    const id = instance();
    const [label, type] = pick(TS_ACTIVITIES);
    const cs = caseNo();
    const d = date(i);
    const body = [
      "Hello,",
      "",
      "We've received a report(s) of abusive activity implicating resources on your account.",
      "",
      `Reported Activity: ${label}`,
      `Abuse Time: ${d.toUTCString().replace(/^\w+, /, "").replace("GMT", "UTC")}`,
      `AWS Account ID: ${acct}`,
      `Region(s): ${pick(REGIONS)}`,
      `Implicated Resource: EC2 Instance Id: ${id}`,
      "Required Actions: Investigate root cause",
      "",
      "In order to resolve this report please reply to this email within 24 hours with the corrective action taken.",
      "",
      "Regards,",
      "AWS Trust & Safety",
    ].join("\n");
    return { subject: `Your AWS Abuse Report [${cs}] [AWS ID ${acct}]`, from: "AWS Trust & Safety <trustandsafety@support.aws.com>", message: body, expected: { activityType: type, caseNumber: cs, instanceIds: [id], accountIds: [acct] } };
  }

  function credentials(): GeneratedNotice & { subject: string; from: string } {
    const acct = account();
    const key = `AKIA${Array.from({ length: 16 }, () => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[Math.floor(r() * 32)]).join("")}`;
    const cs = String(int(100000000, 999999999));
    const body = [
      `Amazon Web Services has opened case ${cs} on your behalf.`,
      "",
      `Case ID: ${cs}`,
      `Subject: Your AWS account ${acct} is compromised`,
      "Severity: Urgent",
      "Correspondence: Dear AWS Customer,",
      "",
      `We have become aware that the AWS Access Key ${key} (belonging to IAM user "svc-${hex(4)}") along with the corresponding Secret Key is publicly available online at https://github.com/example-org/repo-${hex(6)}/blob/main/.env`,
    ].join("\n");
    return { subject: `Your AWS account ${acct} is compromised`, from: "Amazon Web Services <no-reply-aws@amazon.com>", message: body, expected: { activityType: "credentials_exposed", caseNumber: cs, instanceIds: [], accountIds: [acct] } };
  }

  function resolved(): GeneratedNotice & { subject: string; from: string } {
    const cs = caseNo();
    return { subject: `Re: Your AWS Abuse Report [${cs}]`, from: "AWS Abuse <abuse@amazonaws.com>", message: "Hello,\nThis case has been investigated and resolved by the AWS Abuse Team.\nThank you for your attention to this matter.\n", expected: { activityType: "other", caseNumber: cs, instanceIds: [], accountIds: [] } };
  }

  function ses(): GeneratedNotice & { subject: string; from: string } {
    const acct = account();
    const body = `The Amazon SES sending for AWS account ${acct}, which lists you as a contact or owner, has been put on probation in AWS region US East (N. Virginia). The complaint rate of your sending is too high.\n`;
    return { subject: "Amazon SES Probation Notice", from: "Amazon Web Services <no-reply-aws@amazon.com>", message: body, expected: { activityType: "spam_email", caseNumber: null, instanceIds: [], accountIds: [acct] } };
  }

  /** One RFC 822 message in a MIME shape chosen at random. */
  function message(i: number): GeneratedNotice {
    const roll = r();
    const n = roll < 0.45 ? aws2017(i) : roll < 0.65 ? trustSafety(i) : roll < 0.8 ? legacy(i) : roll < 0.9 ? credentials() : roll < 0.95 ? ses() : resolved();
    const d = date(i);
    const head = [`From: ${n.from}`, "To: security@example.com", `Subject: ${n.subject}`, `Date: ${rfc2822(d)}`, `Message-ID: <gen-${seed}-${i}@amazon.com>`, "MIME-Version: 1.0"];
    const shape = r();
    let mime: string;
    if (shape < 0.6) mime = ["Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: 7bit", "", n.message].join("\r\n");
    else if (shape < 0.72) mime = ["Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: quoted-printable", "", qp(n.message)].join("\r\n");
    else if (shape < 0.8) mime = ["Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: base64", "", b64(n.message)].join("\r\n");
    else if (shape < 0.96) {
      const bnd = `b_${hex(12)}`;
      mime = [
        `Content-Type: multipart/alternative; boundary="${bnd}"`, "", `--${bnd}`, "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: quoted-printable", "", qp(n.message),
        `--${bnd}`, "Content-Type: text/html; charset=UTF-8", "Content-Transfer-Encoding: quoted-printable", "", qp(html(n.message)), `--${bnd}--`, "",
      ].join("\r\n");
    } else mime = ["Content-Type: text/html; charset=UTF-8", "Content-Transfer-Encoding: quoted-printable", "", qp(html(n.message))].join("\r\n");
    const raw = head.join("\r\n") + "\r\n" + mime.replace(/(?<!\r)\n/g, "\r\n");
    return { message: raw.endsWith("\r\n") ? raw : raw + "\r\n", expected: n.expected };
  }
  return { message };
}

function html(text: string): string {
  const esc = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return `<html><body>${esc.split(/\n\n+/).map((p) => `<p>${p.replace(/\n/g, "<br>\n")}</p>`).join("\n")}</body></html>`;
}

function qp(s: string): string {
  const bytes = Buffer.from(s, "utf8");
  let out = "";
  let line = 0;
  for (const b of bytes) {
    let tok: string;
    if (b === 0x0a) {
      out += "\n";
      line = 0;
      continue;
    }
    if ((b >= 33 && b <= 126 && b !== 61) || b === 32) tok = String.fromCharCode(b);
    else tok = "=" + b.toString(16).toUpperCase().padStart(2, "0");
    if (line + tok.length > 75) {
      out += "=\n";
      line = 0;
    }
    out += tok;
    line += tok.length;
  }
  return out;
}

function b64(s: string): string {
  return Buffer.from(s, "utf8").toString("base64").replace(/.{76}/g, "$&\n");
}

/** An mbox (mboxrd) of `count` generated notices, and what each should parse to. */
export function generateMbox(count: number, seed = 1): { mbox: Buffer; messages: Buffer[]; expected: GeneratedNotice["expected"][] } {
  const g = makeGenerator(seed);
  const parts: string[] = [];
  const messages: Buffer[] = [];
  const expected: GeneratedNotice["expected"][] = [];
  for (let i = 0; i < count; i++) {
    const m = g.message(i);
    messages.push(Buffer.from(m.message, "utf8"));
    expected.push(m.expected);
    parts.push(`From ec2-abuse@amazon.com Mon Jan  1 00:00:00 2024\n${m.message.replace(/^(>*From )/gm, ">$1")}`);
  }
  return { mbox: Buffer.from(parts.join("\n"), "utf8"), messages, expected };
}
