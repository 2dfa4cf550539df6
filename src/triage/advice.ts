/**
 * What to do next: first by the verdict (a forged or doubtful notice is never acted on, replied to
 * or contained: it is reported to AWS), then by what the input is (text that is not an AWS notice
 * has nothing to contain), then per kind of notice and activity: the field manual (shared/seed)
 * in the order a responder needs it. Plain data; `triage` prints it, the reply and the playbooks
 * say the same things in their own terms.
 */
import type { ActivityType, Notice, NoticeKind } from "../notice/types.ts";
import { REPORT_SPOOFING } from "../verify/aws.ts";
import type { VerdictLevel } from "../verify/types.ts";

/** Steps that open every response to a notice that names an activity. */
const FIRST = "Check the verdict above: act only on a notice that is genuinely from AWS; never follow links or reply to a suspicious one.";
const REPLY = "Reply to AWS in the same thread (keep the subject: it carries the case) with what you found and did, before the deadline.";

/**
 * The command line a step tells the person to run (`resolve`, `plan`, `intake --force-case`), as
 * it can be pasted: the CLI gives the notice's file and the account flags used (src/cli/hint.ts).
 */
export type Invocation = (command: "resolve" | "plan" | "intake --force-case") => string;
const bare: Invocation = (command) => `abuse-desk ${command}`;

/** A step in words, or one that names a command to run. */
type Step = string | ((run: Invocation) => string);

/** One family of advice for activities that need the same response. */
interface Family {
  activities: ActivityType[];
  steps: Step[];
}

const FAMILIES: Family[] = [
  {
    // A host of yours is doing something to others: contain it, keep it for forensics.
    activities: ["port_scan", "intrusion", "brute_force", "web_attack", "botnet_c2", "dos", "crypto_mining", "malware_hosting", "crawling"],
    steps: [
      (run) => `Find the instance (all regions and accounts if the notice names none): \`${run("resolve")}\`.`,
      (run) => `Isolate it with its security groups: nothing in or out except your examiners' addresses; use a network ACL when several hosts in one subnet are involved (\`${run("plan")}\`, then \`apply\`).`,
      "Preserve it: snapshot every volume, enable termination protection, keep it running (memory is evidence); stop rather than terminate if it must go down.",
      "Take it out of its Auto Scaling group and load balancers so it is not replaced or sent traffic.",
      "Investigate: CloudTrail for who launched or changed it, its logs, shell history, running processes and connections (netstat / lsof), new users and cron jobs.",
      "Fix the cause (an exposed service, a leaked key, a vulnerable application); rebuild from a clean image rather than cleaning in place.",
    ],
  },
  {
    activities: ["open_proxy"],
    steps: [
      "Find the host and the world-open proxy ports (3128, 8080, 1080...) or reflection services (DNS 53, NTP 123, memcached 11211, SSDP 1900).",
      "Revoke only the world-open ingress rules for those ports; keep the rest of the service running.",
      "Fix the configuration (proxy authentication, bind to private addresses, disable recursion) before opening it again.",
    ],
  },
  {
    activities: ["spam_email"],
    steps: [
      "Find the sending host or SES identity; block outbound 25/465/587 on the host (the service keeps running) or pause the SES identity.",
      "Look for a compromised web form, a mail relay open to the world or stolen SMTP credentials; rotate them.",
      "For SES enforcement: review bounce and complaint rates, list hygiene and opt-in; answer the SES team with what changed.",
    ],
  },
  {
    activities: ["spam_web"],
    steps: [
      "Find the host posting spam; check for an open proxy (Apache ProxyRequests On, an open squid) or a compromised application.",
      "Block the offending traffic or the proxy ports; keep the service up otherwise.",
    ],
  },
  {
    activities: ["phishing", "copyright", "illegal_content"],
    steps: [
      "Preserve the content first (copy it and its access logs as evidence).",
      "Take it offline at its source: block public access to the S3 bucket, disable the CloudFront distribution, or close web ingress; flag it for the owner's review.",
      "Find how it got there (a compromised CMS, an upload form, stolen credentials) and fix that.",
    ],
  },
  {
    activities: ["credentials_exposed"],
    steps: [
      "Deactivate the exposed access key now (do not delete it yet: it is evidence) and issue a new one to its owner.",
      "Check CloudTrail for everything the key did since it was exposed; remove what it created (users, keys, roles, instances).",
      "Remove the key from where it was published, including the repository's history.",
    ],
  },
  {
    activities: ["account_compromise"],
    steps: [
      "Change the root password, enable MFA on the root user and every IAM user, and rotate every access key.",
      "Check CloudTrail for unauthorised IAM users, access keys, roles, policies and temporary credentials; remove them.",
      "Look in every region for resources you did not create (EC2, Lambda, Spot requests) and stop them; then tell AWS Support.",
    ],
  },
];

const BY_KIND: Partial<Record<NoticeKind, string[]>> = {
  follow_up: [
    "This is a follow-up to an earlier notice: find that case and answer in its thread; AWS is waiting for your reply.",
    "If you already replied, reply again with what you did and when; if not, contain first, then reply now.",
  ],
  final_notification: [
    "This is a FINAL notification: AWS may block the resource or suspend the account. Contain now and reply today.",
  ],
  resolved: ["AWS says the case is resolved: record it and close the case. Keep the evidence for your own post-mortem."],
};

const OTHER: Step[] = [
  "Read the notice in full: it names no activity this tool recognises. Find the resources it names and ask AWS in the thread if anything is unclear.",
];


const CHECK_IN_CONSOLE =
  "If AWS may really have written to you, look for the case yourself: sign in to the AWS console by typing its address (not through this message) and check the Support Center and the AWS Health dashboard; act only on what you find there.";

/** A notice with evidence of forgery: nothing in it is acted on. */
const PHISHING: string[] = [
  "Do not act on this notice: the verdict above found evidence that AWS did not send it. Do not follow its links, open its attachments or reply to it, and change nothing in your accounts on its word.",
  `Report it to AWS: forward it as an attachment to ${REPORT_SPOOFING}, then delete it.`,
  CHECK_IN_CONSOLE,
];

/** A notice the verdict doubts: not acted on until AWS confirms it. */
const SUSPICIOUS: string[] = [
  "Do not act on this notice yet: the verdict above found something that raises doubt. Do not follow its links, open its attachments or reply to it, and change nothing in your accounts on its word.",
  CHECK_IN_CONSOLE,
  `If AWS has no such case, report the message to AWS: forward it as an attachment to ${REPORT_SPOOFING}.`,
];

/** Text that is not an AWS notice at all. */
const NOT_A_NOTICE: Step[] = [
  (run) => `This is not an AWS abuse notice: there is nothing to contain or to reply to, and no case is opened for it unless you ask (\`${run("intake --force-case")}\`).`,
  "If you expected a notice from AWS, give the original message (.eml, or \"Show original\" in your mail client) or check the Support Center in the AWS console.",
];

/**
 * The next steps, most urgent first: for a phishing or suspicious verdict "do not act, report it
 * to AWS" and nothing else (never containment, never a reply in the thread); for text that is not
 * an AWS notice (`notANotice`), that; else the steps for the notice's kind and activity. `run`
 * writes the commands the steps name (bare `abuse-desk resolve` unless the caller knows better).
 */
export function nextSteps(notice: Pick<Notice, "kind" | "activityType">, verdict: VerdictLevel, notANotice: string | null = null, run: Invocation = bare): string[] {
  const say = (steps: Step[]) => steps.map((x) => (typeof x === "string" ? x : x(run)));
  if (verdict === "phishing") return PHISHING;
  if (verdict === "suspicious") return SUSPICIOUS;
  if (notANotice) return say(NOT_A_NOTICE);
  const byKind = BY_KIND[notice.kind] ?? [];
  if (notice.kind === "resolved") return byKind;
  const family = FAMILIES.find((f) => f.activities.includes(notice.activityType));
  return say([FIRST, ...byKind, ...(family?.steps ?? OTHER), REPLY]);
}
