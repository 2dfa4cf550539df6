/**
 * Which reply an activity gets. Activities that call for the same remediation share a family and a
 * template: a scanning host and a brute-forcing host are both "a host making connections it should
 * not", a phishing page and a DMCA notice are both "content to take down".
 */
import type { ActivityType, NoticeKind } from "../notice/types.ts";
import type { ActivityFamily } from "./types.ts";

const BY_ACTIVITY: Record<ActivityType, ActivityFamily> = {
  port_scan: "intrusion",
  intrusion: "intrusion",
  brute_force: "intrusion",
  web_attack: "intrusion",
  crawling: "intrusion",
  dos: "dos",
  open_proxy: "open-proxy",
  spam_email: "spam",
  spam_web: "spam",
  phishing: "content",
  malware_hosting: "content",
  copyright: "content",
  illegal_content: "content",
  crypto_mining: "crypto-mining",
  botnet_c2: "botnet",
  credentials_exposed: "credentials-exposed",
  account_compromise: "account-compromise",
  other: "other",
};

/** The family for a case: the notice kind wins for the letters that have their own procedure. */
export function activityFamily(activity: ActivityType, kinds: readonly NoticeKind[] = []): ActivityFamily {
  if (kinds.includes("ses_enforcement")) return "ses-enforcement";
  if (kinds.includes("account_compromise") && activity !== "credentials_exposed") return "account-compromise";
  if (kinds.includes("credentials_exposed")) return "credentials-exposed";
  return BY_ACTIVITY[activity] ?? "other";
}

/** The activity in a few words, for a sentence ("activity resembling port scanning"). */
export const ACTIVITY_LABELS: Record<ActivityType, string> = {
  port_scan: "port scanning",
  intrusion: "intrusion attempts",
  brute_force: "brute-force login attempts",
  web_attack: "attacks against web applications",
  crawling: "web crawling",
  dos: "a denial-of-service attack",
  open_proxy: "an open proxy",
  spam_email: "sending unsolicited e-mail",
  spam_web: "posting spam on websites",
  phishing: "hosting a phishing site",
  malware_hosting: "hosting malware",
  copyright: "hosting copyrighted material",
  illegal_content: "hosting forbidden content",
  crypto_mining: "cryptocurrency mining",
  botnet_c2: "botnet or command-and-control traffic",
  credentials_exposed: "publicly exposed AWS credentials",
  account_compromise: "a compromised AWS account",
  other: "the reported activity",
};
