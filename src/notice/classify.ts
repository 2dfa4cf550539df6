/**
 * The decisions that weigh everything extracted: which activity, which kind of notice, which
 * deadline. Kept apart from extraction so each rule lives in one place and reads as policy.
 */
import type { ActivityType, Deadline, NoticeKind, Source } from "./types.ts";
import { P, type NoticeBuilder } from "./extract/builder.ts";
import { decideDeadline, type StatedDeadline } from "./extract/deadline.ts";
import type { TextSignals } from "./extract/index.ts";

const CONTENT_TYPES = new Set<ActivityType>(["phishing", "malware_hosting", "spam_web", "copyright", "illegal_content", "other"]);

export interface Decision {
  activityType: ActivityType;
  activityText: string | null;
  kind: NoticeKind;
  deadline: Deadline;
}

/**
 * Activity: the strongest offer wins (Health code, then labelled fields, AWS's sentences, the
 * subject, a reporter's form, the notice family, the reporter's prose, weak phrases). A reminder
 * that names no activity stays "other": the case it belongs to knows the activity, this text does not.
 */
export function decideActivity(b: NoticeBuilder, signals?: Pick<TextSignals, "accountUsed">): { type: ActivityType; text: string | null } {
  const best = b.best<{ type: ActivityType; text: string }>("activity");
  if (!best) return { type: "other", text: null };
  // a family signal (credentials exposed) is more specific than a generic compromise sentence in the
  // same letter ("Your AWS Account is compromised!" above a key published online), unless AWS says it
  // saw the account used: then the key was the way in, and the account is what is compromised
  const offers = b.offers<{ type: ActivityType; text: string }>("activity");
  const creds = offers.find((o) => o.value.type === "credentials_exposed" && o.priority <= P.family);
  if (creds && best.value.type === "account_compromise" && !signals?.accountUsed) return { type: "credentials_exposed", text: creds.value.text };
  return { type: best.value.type, text: best.value.text };
}

/** Kind: what the letter is, in order of what it changes for the reader. */
export function decideKind(signals: TextSignals, health: boolean): NoticeKind {
  if (health) return "health_event";
  const k = signals.kinds;
  if (k.has("resolved")) return "resolved";
  // a compromise AWS saw (the account used by someone else) outranks the exposed key it names
  if (k.has("account_compromise") && signals.accountUsed) return "account_compromise";
  if (k.has("credentials_exposed")) return "credentials_exposed";
  if (k.has("account_compromise")) return "account_compromise";
  if (k.has("ses_enforcement")) return "ses_enforcement";
  if (k.has("final_notification")) return "final_notification";
  if (k.has("follow_up")) return "follow_up";
  return "initial_report";
}

export function decide(b: NoticeBuilder, signals: TextSignals, opts: { health: boolean; receivedMs: number | null }): Decision {
  const activity = decideActivity(b, signals);
  const kind = decideKind(signals, opts.health);
  // URLs in a reporter's prose are the incident's only when the incident is about content
  if (CONTENT_TYPES.has(activity.type) && activity.type !== "other") for (const u of signals.reporterUrls) b.add("destinationUrls", u.url, u.source);
  // an exposed-credentials letter names no site of its own but where the key was found; nor does a
  // compromise letter that names a key (where the key was found is the URL it gives); and a URL AWS writes in a Health event's description
  // that is not its own help link is the incident's (where the key was published, the page reported)
  const namesKey = signals.kinds.has("credentials_exposed") || b.list("accessKeyIds").length > 0 || b.redactions.some((r) => r.field === "accessKeyIds");
  const keyLetter = activity.type === "credentials_exposed" || (activity.type === "account_compromise" && namesKey);
  if (keyLetter || opts.health) for (const u of signals.awsUrls ?? []) b.add("destinationUrls", u.url, u.source);
  fillResourceContext(b);
  let deadline: Deadline;
  if (kind === "resolved") deadline = { at: null, basis: "unknown", text: "the case is resolved; no reply is required" };
  else {
    const stated = b.offers<StatedDeadline>("deadline").map((o) => ({ ...o.value, source: o.source }));
    deadline = decideDeadline(stated, opts.receivedMs);
  }
  return { activityType: activity.type, activityText: activity.text, kind, deadline };
}

/** A resource line without its own account or region takes the notice's, when the notice names exactly one. */
function fillResourceContext(b: NoticeBuilder): void {
  const accounts = b.list("accountIds");
  const regions = b.list("regions").filter((r) => r !== "global");
  for (const r of b.allResources()) {
    if (!r.accountId && accounts.length === 1 && r.type !== "public-ip") r.accountId = accounts[0]!;
    if (!r.region && regions.length === 1 && ["ec2-instance", "network-interface", "nat-gateway", "elastic-ip", "load-balancer", "lightsail-instance"].includes(r.type)) r.region = regions[0]!;
  }
}

export type { Source };
