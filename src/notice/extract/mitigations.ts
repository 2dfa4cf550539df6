/**
 * What AWS says it already did: "Blocked OUTBOUND TCP traffic ... on port 22", "Outgoing Port 80
 * Blocked", "Blocked all traffic, allowing administrative access only", "Blocked the ability to
 * Stop and Start EC2 Instances in <region> region", "temporarily limited your ability to launch".
 * Ports here are what AWS blocked, never the remote ports of the activity. Only AWS's own words
 * (past tense, a fact) count: advice ("restrict 22 and 3389") is not a mitigation.
 */
import type { Mitigation, Source } from "../types.ts";
import { regionCode } from "./regions.ts";
import { parsePorts } from "./ports.ts";

type Found = Omit<Mitigation, "source">;

const RULES: { re: RegExp; make(m: RegExpExecArray): Found }[] = [
  {
    re: /\bblocked\s+all\s+(?:inbound\s+and\s+outbound\s+|network\s+)?traffic(?:[^.\n]{0,80}?allowing\s+administrative\s+access\s+only)?/i,
    make: (m) => ({ text: m[0], action: "isolate", direction: "both" }),
  },
  {
    re: /\bblocked\s+the\s+ability\s+to\s+stop\s+and\s+start\s+(?:ec2\s+)?instances(?:\s+in\s+(?:the\s+)?([a-z]{2}(?:-gov)?-[a-z]+-\d|[A-Z][\w ]{1,30}\([^)]{2,30}\))\s+region)?/i,
    make: (m) => ({ text: m[0], action: "block_stop_start", ...(m[1] && regionCode(m[1]) ? { region: regionCode(m[1])! } : {}) }),
  },
  {
    re: /\bblocked\s+(outbound|inbound|outgoing|incoming|egress|ingress)?\s*(tcp|udp|icmp)?\s*(?:traffic\s+)?(?:[^.\n]{0,60}?\s)?(?:on\s+|to\s+)?(?:destination\s+)?ports?\s*:?\s*(\d{1,5}(?:\s*(?:,|and|&)\s*\d{1,5}){0,20})/i,
    make: (m) => ({ text: m[0], action: "block_port", ...dir(m[1]), ...(m[2] ? { protocol: m[2].toUpperCase() } : {}), ports: parsePorts(m[3]!).ports }),
  },
  {
    re: /\b(outgoing|outbound|incoming|inbound)\s+(tcp\s+|udp\s+)?ports?\s+(\d{1,5}(?:\s*(?:,|and|&)\s*\d{1,5}){0,20})\s+(?:has\s+been\s+|have\s+been\s+|was\s+|were\s+)?blocked/i,
    make: (m) => ({ text: m[0], action: "block_port", ...dir(m[1]), ...(m[2] ? { protocol: m[2].trim().toUpperCase() } : {}), ports: parsePorts(m[3]!).ports }),
  },
  {
    re: /\bblocked\s+(outbound|inbound|outgoing|incoming)\s+(?:(tcp|udp|icmp)\s+)?traffic\b[^.\n]{0,80}/i,
    make: (m) => ({ text: m[0], action: "block_traffic", ...dir(m[1]), ...(m[2] ? { protocol: m[2].toUpperCase() } : {}) }),
  },
  {
    re: /\b(?:have\s+)?(?:temporarily\s+)?limited\s+your\s+ability\s+to\s+launch[^.\n]{0,80}/i,
    make: (m) => ({ text: m[0], action: "limit_launch" }),
  },
  {
    re: /\b(?:attached|applied|added)\s+(?:the\s+)?(?:AWS\s+managed\s+policy\s+)?(?:AWSCompromisedKeyQuarantine\w*|quarantine\s+polic(?:y|ies))[^.\n]{0,80}|\bAWSCompromisedKeyQuarantine\w*/i,
    make: (m) => ({ text: m[0], action: "quarantine_policy" }),
  },
  {
    re: /\b(?:sending\s+(?:has\s+been\s+|was\s+|is\s+)?(?:paused|suspended|disabled|denied)|(?:paused|suspended|disabled)\s+(?:your\s+)?(?:ability\s+to\s+send|(?:email\s+)?sending)|sending\s+privileges\s+have\s+been\s+suspended|account\s+has\s+been\s+suspended,\s+effective\s+immediately)/i,
    make: (m) => ({ text: m[0], action: "sending_paused" }),
  },
];

function dir(word: string | undefined): { direction?: "inbound" | "outbound" } {
  if (!word) return {};
  return /out|egress/i.test(word) ? { direction: "outbound" } : { direction: "inbound" };
}

/** Mitigations stated in one line of AWS's text. */
export function findMitigations(line: string, source: Omit<Source, "excerpt"> & { excerpt: string }): Mitigation[] {
  if (!/block|limit|quarantin|paus|suspend|disabl|denied/i.test(line)) return [];
  const out: Mitigation[] = [];
  const taken = new Set<string>();
  for (const r of RULES) {
    const m = r.re.exec(line);
    if (!m) continue;
    // one statement, one mitigation: "Blocked outbound TCP traffic on port 22" is a port block, not also a traffic block
    if ([...taken].some((t) => t.includes(m[0]) || m[0].includes(t))) continue;
    taken.add(m[0]);
    out.push({ ...r.make(m), text: m[0].trim().replace(/^\*+|\*+$/g, ""), source });
  }
  return out;
}

/** The `Action Taken` column of AWS's table ("Outgoing Port 80 Blocked"). */
export function mitigationFromAction(text: string, extra: { resourceId?: string; region?: string }, source: Source): Mitigation {
  const found = findMitigations(text, source)[0];
  const base: Mitigation = found ?? { text: text.trim(), action: /block/i.test(text) ? "block_traffic" : "other", source };
  if (extra.resourceId) base.resourceId = extra.resourceId;
  if (extra.region && !base.region) base.region = extra.region;
  return base;
}
