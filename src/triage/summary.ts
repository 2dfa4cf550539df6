/** One sentence of what happened, from the Notice alone. */
import type { ActivityType, Notice } from "../notice/types.ts";

/** The activity in words that complete "…was/were ___". */
export const ACTIVITY_WORDS: Record<ActivityType, string> = {
  port_scan: "scanning remote hosts for open ports",
  dos: "taking part in a denial-of-service attack",
  spam_web: "posting spam on websites",
  spam_email: "sending unsolicited e-mail",
  phishing: "hosting a phishing site",
  malware_hosting: "hosting or spreading malware",
  botnet_c2: "talking to a botnet command-and-control server",
  brute_force: "brute-forcing logins on remote hosts",
  web_attack: "attacking web applications",
  crawling: "crawling websites abusively",
  copyright: "hosting content reported as infringing copyright",
  illegal_content: "hosting content reported as illegal",
  credentials_exposed: "published online",
  account_compromise: "possibly compromised",
  open_proxy: "operating as an open proxy",
  crypto_mining: "mining cryptocurrency without authorisation",
  intrusion: "trying to access remote hosts without authorisation",
  other: "involved in activity AWS reported as abusive",
};

function list(items: string[], max = 3): string {
  if (items.length <= max) return items.join(", ");
  return `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

function exposedKeys(notice: Notice): string {
  const keys = notice.accessKeyIds.map((id) => {
    const user = notice.resources.find((r) => r.type === "access-key" && r.id === id)?.iamUser;
    return user ? `${id} (IAM user ${user})` : id;
  });
  const subject = keys.length ? `access key${keys.length > 1 ? "s" : ""} ${list(keys)}` : "an access key";
  const of = notice.accountIds.length ? ` of account ${list(notice.accountIds)}` : "";
  const where = notice.destinationUrls.length ? ` at ${list(notice.destinationUrls, 2)}` : "";
  return `AWS reports that ${subject}${of} ${keys.length > 1 ? "were" : "was"} published online${where}.`;
}

function joinAnd(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function when(notice: Notice): string {
  const { begin, end } = notice.window;
  const fmt = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC");
  if (begin && end) return ` between ${fmt(begin)} and ${fmt(end)}`;
  if (begin) return ` at ${fmt(begin)}`;
  return "";
}

export function summarize(notice: Notice): string {
  if (notice.kind === "resolved") {
    return `AWS says case${notice.caseNumber ? ` ${notice.caseNumber}` : ""} has been investigated and resolved; nothing more is asked.`;
  }
  if (notice.activityType === "credentials_exposed") return exposedKeys(notice);
  const what: string[] = [];
  const instances = notice.instanceIds.map((id) => {
    const ref = notice.resources.find((r) => r.type === "ec2-instance" && r.id === id);
    return ref?.publicIp ? `${id} (${ref.publicIp})` : id;
  });
  if (instances.length) what.push(`instance${instances.length > 1 ? "s" : ""} ${list(instances)}`);
  const loneIps = notice.publicIps.filter((ip) => !notice.resources.some((r) => r.type === "ec2-instance" && r.publicIp === ip));
  if (loneIps.length) what.push(`IP ${list(loneIps)}`);
  if (notice.networkInterfaceIds.length) what.push(`network interface ${list(notice.networkInterfaceIds)}`);
  if (notice.accessKeyIds.length) what.push(`access key ${list(notice.accessKeyIds)}`);
  const others = notice.resources.filter((r) => !["ec2-instance", "public-ip", "elastic-ip", "network-interface", "access-key"].includes(r.type));
  if (others.length) what.push(list(others.map((r) => `${r.type.replace(/-/g, " ")} ${r.id}`)));
  const subject = what.length ? joinAnd(what) : notice.accountIds.length ? `account ${list(notice.accountIds)}` : "a resource of yours";
  const where = [notice.accountIds.length && what.length ? `account ${list(notice.accountIds)}` : "", notice.regions.length ? list(notice.regions) : ""]
    .filter(Boolean)
    .join(", ");
  const activity = ACTIVITY_WORDS[notice.activityType];
  const traffic: string[] = [];
  if (notice.protocol) traffic.push(notice.protocol);
  const ports = notice.remotePorts;
  if (Array.isArray(ports) ? ports.length : true) traffic.push(Array.isArray(ports) ? `port${ports.length > 1 ? "s" : ""} ${list(ports.map(String))}` : `${ports.count} ports`);
  if (notice.remoteIps.length) traffic.push(`to ${list(notice.remoteIps)}`);
  const lead =
    notice.kind === "follow_up" ? "AWS is following up (no reply received yet): " : notice.kind === "final_notification" ? "FINAL NOTIFICATION: " : "";
  const plural = what.length > 1 || instances.length > 1 || loneIps.length > 1;
  const verb = notice.activityType === "account_compromise" ? (plural ? "are" : "is") : plural ? "were" : "was";
  const detail = traffic.length ? ` (${traffic.join(", ")})` : "";
  return `${lead}AWS reports that ${subject}${where ? ` in ${where}` : ""} ${verb} ${activity}${detail}${when(notice)}.`;
}
