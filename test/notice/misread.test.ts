/**
 * Notices the parser used to misread (issue 10), each rule checked across the formats it arrives in
 * (an e-mail, pasted text, a Health event, the Health console's copy) and across wordings, months and
 * years, so the rule is the format's and not one notice's. The whole notices that exercise them are
 * scored fixtures (fixtures/notices/scored/window-*, compromise-names-exposed-key,
 * health-console-malware-url, health-description-published-key, mitigation-block-port-only,
 * health-mitigation-port-and-reported).
 */
import { describe, expect, it } from "vitest";
import { ACCOUNT_USED } from "../../src/notice/extract/activity.ts";
import { dateWindow, findWindows } from "../../src/notice/extract/windows.ts";
import type { Notice } from "../../src/notice/types.ts";
import { parseOne, text } from "./helpers/load.ts";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const iso = (y: number, m: number, d: number, end = false) => new Date(Date.UTC(y, m - 1, d, end ? 23 : 0, end ? 59 : 0, end ? 59 : 0)).toISOString().replace(".000Z", "Z");
const ord = (d: number) => `${d}${d % 10 === 1 && d !== 11 ? "st" : d % 10 === 2 && d !== 12 ? "nd" : d % 10 === 3 && d !== 13 ? "rd" : "th"}`;

/** How a date without a year is written. */
const STYLES: Record<string, (m: number, d: number) => string> = {
  "January 22": (m, d) => `${MONTHS[m - 1]} ${d}`,
  "Jan 22": (m, d) => `${MONTHS[m - 1]!.slice(0, 3)} ${d}`,
  "Jan. 22": (m, d) => `${MONTHS[m - 1]!.slice(0, 3)}. ${d}`,
  "22 January": (m, d) => `${d} ${MONTHS[m - 1]}`,
  "22nd January": (m, d) => `${ord(d)} ${MONTHS[m - 1]}`,
  "January 22nd": (m, d) => `${MONTHS[m - 1]} ${ord(d)}`,
  "22nd of January": (m, d) => `${ord(d)} of ${MONTHS[m - 1]}`,
};
/** How a window is worded. */
const WORDINGS: Record<string, (a: string, b: string) => string> = {
  between: (a, b) => `between ${a} and ${b}`,
  "from..to": (a, b) => `from ${a} to ${b}`,
  "from..through": (a, b) => `from ${a} through ${b}`,
  "from..until": (a, b) => `from ${a} until ${b}`,
  "a - b": (a, b) => `during ${a} - ${b}`,
  "a – b": (a, b) => `in the period ${a} – ${b}`,
  "a to b": (a, b) => `over ${a} to ${b}`,
};
/** How the notice arrives, each with its own date: the Date header, a Health event's time, the receipt of pasted text. */
const FORMATS: Record<string, (sentence: string, dated: Date) => Promise<Notice>> = {
  "e-mail": (s, dated) => parseOne(text(`From: AWS Trust & Safety <trustandsafety@support.aws.com>\nSubject: Your AWS Abuse Report [20240101999] [AWS ID 111122223333]\nDate: ${dated.toUTCString()}\n\nHello,\n\nWe were told that your instance took part in a denial of service attack ${s}.\n\nReported Activity: DoS\nImplicated Resource: EC2 Instance Id: i-0123456789abcdef0\n`)),
  "Health event": (s, dated) =>
    parseOne(
      text(
        JSON.stringify({
          "detail-type": "AWS Health Abuse Event",
          source: "aws.health",
          account: "111122223333",
          time: dated.toISOString(),
          detail: { eventTypeCode: "AWS_ABUSE_EC2_DOS_REPORT", service: "ABUSE", startTime: dated.toISOString(), eventDescription: [{ language: "en_US", latestDescription: `A denial of service attack was reported ${s}.` }], affectedEntities: [{ entityValue: "i-0123456789abcdef0" }] },
        }),
      ),
    ),
  "pasted text": (s, dated) => parseOne(text(`Hello,\n\nWe have received a report that your EC2 instance i-0123456789abcdef0 took part in a denial of service attack ${s}.\n`), { receivedAt: dated.toISOString() }),
  "Health console copy": (s, dated) => parseOne(text(`Event\nAbuse DoS report\nStart time\n${dated.toISOString()}\nStatus\nOpen\nRegion / Availability Zone\nus-east-1\nDescription\nA denial of service attack was reported ${s}.\nAffected resources\ni-0123456789abcdef0\n`)),
};

describe("activity windows written without a year", () => {
  // every month as the start, the next as the end (December -> January crosses New Year), a different
  // year, style, wording and format each time; the notice is dated a few days after the window
  const cases: { name: string; begin: [number, number, number]; end: [number, number, number]; style: string; wording: string; format: string }[] = [];
  const styles = Object.keys(STYLES);
  const wordings = Object.keys(WORDINGS);
  const formats = Object.keys(FORMATS);
  let k = 0;
  for (let m = 1; m <= 12; m++) {
    for (const [d1, d2] of [[3 + m, 2 + ((m * 3) % 25)], [28, 1]] as const) {
      const endYear = 2016 + ((m + k) % 10);
      const endMonth = (m % 12) + 1;
      const beginYear = m === 12 ? endYear - 1 : endYear;
      const [style, wording, format] = [styles[k % styles.length]!, wordings[k % wordings.length]!, formats[k % formats.length]!];
      cases.push({ name: `${MONTHS[m - 1]} ${d1} .. ${MONTHS[endMonth - 1]} ${d2}, "${style}", ${wording}, ${format}`, begin: [beginYear, m, d1], end: [endYear, endMonth, d2], style, wording, format });
      k++;
    }
  }
  it.each(cases)("$name", async ({ begin, end, style, wording, format }) => {
    const sentence = WORDINGS[wording]!(STYLES[style]!(begin[1], begin[2]), STYLES[style]!(end[1], end[2]));
    const dated = new Date(Date.UTC(end[0], end[1] - 1, end[2] + 5, 14, 2, 11));
    const n = await FORMATS[format]!(sentence, dated);
    expect(n.window, `${format}: "${sentence}" dated ${dated.toISOString()}`).toEqual({ begin: iso(...begin), end: iso(...end, true) });
  });

  it.each(Object.keys(FORMATS))("across New Year in every format (%s): Dec 28 to Jan 3 in a notice of January 5", async (format) => {
    for (const [s, year] of [["from Dec 28 to Jan 3", 2024], ["between 28 December and 3 January", 2021], ["December 28 - January 3", 2030]] as const) {
      const n = await FORMATS[format]!(s, new Date(Date.UTC(year, 0, 5, 9)));
      expect(n.window, `${format}: ${s}`).toEqual({ begin: iso(year - 1, 12, 28), end: iso(year, 1, 3, true) });
    }
  });

  it("times of day and zones are kept; one month with a day range; one end with its year dates the other", () => {
    const ref = new Date(Date.UTC(2024, 1, 12));
    expect(findWindows("from January 22 at 10:15 UTC to February 4 at 18:00 UTC", ref).map((w) => [w.begin, w.end])).toEqual([["2024-01-22T10:15:00Z", "2024-02-04T18:00:00Z"]]);
    expect(findWindows("on March 10-12", new Date(Date.UTC(2025, 2, 17))).map((w) => [w.begin, w.end])).toEqual([["2025-03-10T00:00:00Z", "2025-03-12T23:59:59Z"]]);
    expect(findWindows("between Jan 22nd and 24th", ref).map((w) => [w.begin, w.end])).toEqual([["2024-01-22T00:00:00Z", "2024-01-24T23:59:59Z"]]);
    // no notice date at all: the year written at one end dates the other, across New Year too
    expect(findWindows("from December 28 to January 3, 2024", null).map((w) => [w.begin, w.end])).toEqual([["2023-12-28T00:00:00Z", "2024-01-03T23:59:59Z"]]);
    expect(findWindows("from December 28, 2023 to January 3", null).map((w) => [w.begin, w.end])).toEqual([["2023-12-28T00:00:00Z", "2024-01-03T23:59:59Z"]]);
    expect(findWindows("from 2024-01-22 to 2024-02-04", null).map((w) => [w.begin, w.end])).toEqual([["2024-01-22T00:00:00Z", "2024-02-04T23:59:59Z"]]);
  });

  it("what is not a window: no year and no notice date, two dates joined by 'and' without 'between', an end before the start, a zone's dash", () => {
    expect(findWindows("from January 22 to February 4", null)).toEqual([]);
    expect(findWindows("We wrote to you on January 22 and February 4.", new Date(Date.UTC(2024, 1, 12)))).toEqual([]);
    expect(dateWindow("2024-02-04", "2024-01-22", null)).toBeNull();
    expect(findWindows("seen January 22 10:00 UTC-5 and later", new Date(Date.UTC(2024, 1, 12)))).toEqual([]);
  });

  it("AWS's labelled time still outranks a stated window; a window in the reporter's report outranks only its log lines", async () => {
    const labelled = await parseOne(text("Subject: Your AWS Abuse Report [20240212604]\nDate: Mon, 12 Feb 2024 16:20:00 +0000\n\nWe were told of scanning from January 22 to February 4.\n\nAbuse Time: 2024-02-01 10:00:00 UTC\n"));
    expect(labelled.window.begin).toBe("2024-02-01T10:00:00Z");
    const reporter = await parseOne(text("Subject: Your AWS Abuse Report [20240212604]\nDate: Mon, 12 Feb 2024 16:20:00 +0000\n\nWe have received a report about your instance i-0123456789abcdef0.\n\n---Beginning of forwarded report(s)---\nYour host attacked us from 20 January to 23 January.\n2024-01-21 10:00:01 SRC=192.0.2.10 DST=203.0.113.9 DPT=22\n2024-01-22 11:00:01 SRC=192.0.2.10 DST=203.0.113.9 DPT=22\n"));
    expect(reporter.window).toEqual({ begin: "2024-01-20T00:00:00Z", end: "2024-01-23T23:59:59Z" });
  });
});

/** An account-compromise letter: a headline, what AWS saw, and a sentence that names an exposed key. */
const HEADLINES = ["Your AWS account 111122223333 may be compromised.", "Your AWS Account may have been compromised.", "We believe your AWS account could be compromised."];
const SEEN = [
  "We have detected activity on your account that suggests unauthorized usage.",
  "We have observed unusual API calls in your AWS account.",
  "AWS has detected suspicious sign-in activity on your account.",
  "There has been unauthorized access to your account over the last two days.",
  "Your account appears to have been accessed by an unauthorized third party.",
  "We noticed irregular activity within your account, including instances in new regions.",
];
const KEY_SENTENCES: [string, string][] = [
  ["The access key AKIAQ3E5T7U9W1Y3A5C7 was found publicly available online at https://github.com/example-org/tools/blob/main/env.sh", "https://github.com/example-org/tools/blob/main/env.sh"],
  ["We also found that the access key AKIAQ3E5T7U9W1Y3A5C7 is published at https://gist.github.com/someone/1a2b3c4d5e", "https://gist.github.com/someone/1a2b3c4d5e"],
  ["The key AKIAQ3E5T7U9W1Y3A5C7 and its secret were leaked in a paste:\nhttps://pastebin.com/Qw3Er5Ty", "https://pastebin.com/Qw3Er5Ty"],
  ["This activity used the exposed access key AKIAQ3E5T7U9W1Y3A5C7, posted publicly on https://bitbucket.org/example/app/src/main/config.yml", "https://bitbucket.org/example/app/src/main/config.yml"],
];

describe("an account-compromise letter that names an exposed key is an account compromise", () => {
  const cases: [string, string, string, string][] = [];
  let k = 0;
  for (const seen of SEEN) for (const [key, url] of KEY_SENTENCES) cases.push([HEADLINES[k++ % HEADLINES.length]!, seen, key, url]);
  it.each(cases)("%s %s / %s", async (headline, seen, key, url) => {
    for (const order of [0, 1]) {
      const body = order ? `${key}\n\n${seen}` : `${seen}\n\n${key}`;
      const n = await parseOne(text(`Dear AWS Customer,\n\n${headline} ${body}\n\nStep 1: Delete the exposed key.\nStep 2: Review CloudTrail.\n`));
      expect([n.activityType, n.kind], body).toEqual(["account_compromise", "account_compromise"]);
      expect(n.accessKeyIds).toEqual(["AKIAQ3E5T7U9W1Y3A5C7"]);
      expect(n.destinationUrls).toContain(url);
    }
  });

  it("an exposed-key letter under a compromise headline stays an exposure: warnings and advice state nothing seen", async () => {
    for (const words of [
      "This poses a security risk to your account, could lead to excessive charges from unauthorized activity or abuse.",
      "Step 2: Check your account for unauthorized usage on your account.",
      "If you found suspicious activity in your account, contact us.",
      "Review CloudTrail for unusual activity in your account.",
    ]) {
      const n = await parseOne(text(`Subject: Your AWS account 111122223333 is compromised\n\nYour AWS Account is compromised! We have become aware that the AWS Access Key AKIAQ3E5T7U9W1Y3A5C7 along with the corresponding Secret Key is publicly available online at https://github.com/example-org/tools/blob/main/env.sh\n\n${words}\n`));
      expect([n.activityType, n.kind], words).toEqual(["credentials_exposed", "credentials_exposed"]);
    }
  });

  it("what AWS saw is told from what could happen and from traffic out of the account's resources", () => {
    for (const s of SEEN) expect(ACCOUNT_USED.test(s), s).toBe(true);
    for (const s of ["could lead to unauthorized access to your account", "Check for unauthorized usage on your account", "We have detected suspicious traffic from resources in your account", "if you have seen unusual activity in your account", "stop the activity", "We have detected that the access key is public"]) expect(ACCOUNT_USED.test(s), s).toBe(false);
  });

  it("a compromise letter with no key and no URL is unchanged; a Health event's code still decides its activity", async () => {
    const plain = await parseOne("account-compromised.txt");
    expect([plain.activityType, plain.kind, plain.destinationUrls]).toEqual(["account_compromise", "account_compromise", []]);
    const event = await parseOne(text(JSON.stringify({ "detail-type": "AWS Health Event", source: "aws.health", account: "111122223333", time: "2025-01-01T00:00:00Z", detail: { eventTypeCode: "AWS_RISK_CREDENTIALS_EXPOSED", service: "RISK", eventDescription: [{ latestDescription: "We have detected unusual API calls in your account made with the key below." }], affectedEntities: [{ entityValue: "AKIAQ3E5T7U9W1Y3A5C7" }] } })));
    expect(event.activityType).toBe("credentials_exposed");
  });
});

/** A Health event in each shape it is published in, with a description. */
const HEALTH_SHAPES: Record<string, (code: string, description: string) => string> = {
  EventBridge: (code, d) => JSON.stringify({ "detail-type": "AWS Health Event", source: "aws.health", account: "111122223333", time: "2025-04-01T00:00:00Z", detail: { eventTypeCode: code, service: code.split("_")[1], startTime: "2025-04-01T00:00:00Z", eventDescription: [{ language: "en_US", latestDescription: d }], affectedEntities: [{ entityValue: "i-0123456789abcdef0" }] } }, null, 2),
  "Health API": (code, d) => JSON.stringify({ successfulSet: [{ awsAccountId: "111122223333", event: { arn: `arn:aws:health:global::event/X/${code}/${code}_1`, eventTypeCode: code, region: "global", startTime: "2025-04-01T00:00:00Z" }, eventDescription: { latestDescription: d } }] }, null, 4),
  "PutEvents (Detail as a string)": (code, d) => JSON.stringify({ Entries: [{ DetailType: "AWS Health Event", Source: "aws.health", Time: "2025-04-01T00:00:00Z", Detail: JSON.stringify({ eventTypeCode: code, startTime: "2025-04-01T00:00:00Z", eventDescription: [{ language: "en_US", latestDescription: d }] }) }] }),
  "console copy": (code, d) => `Event\n${code}\nStart time\nApril 1, 2025 at 12:00:00 AM UTC\nStatus\nOpen\nDescription\n${d}\nAffected resources\ni-0123456789abcdef0\n`,
};
const PUBLISHED_AT: [string, string][] = [
  ["was published in a public repository at https://github.com/example-dev/app/blob/4e5f6a7/.env", "https://github.com/example-dev/app/blob/4e5f6a7/.env"],
  ["appears in this gist: https://gist.github.com/example-dev/9f8e7d6c5b4a", "https://gist.github.com/example-dev/9f8e7d6c5b4a"],
  ["was posted on a paste site (https://pastebin.com/raw/Zx9Yw8Vu).", "https://pastebin.com/raw/Zx9Yw8Vu"],
  ["is visible at\nhttps://raw.githubusercontent.com/example-dev/app/main/deploy.sh", "https://raw.githubusercontent.com/example-dev/app/main/deploy.sh"],
  ["is in a public project: https://gitlab.com/example-group/site/-/blob/main/config.js", "https://gitlab.com/example-group/site/-/blob/main/config.js"],
];

describe("URLs in a Health event's description are destination URLs", () => {
  const codes = ["AWS_RISK_CREDENTIALS_EXPOSED", "AWS_RISK_IAM_QUARANTINE", "AWS_ABUSE_PHISHING_REPORT", "AWS_ABUSE_MALWARE_WEBSITE_REPORT", "AWS_RISK_CREDENTIALS_COMPROMISED"];
  const cases: [string, string, string, string][] = [];
  let k = 0;
  for (const shape of Object.keys(HEALTH_SHAPES)) for (const [words, url] of PUBLISHED_AT) cases.push([shape, codes[k++ % codes.length]!, words, url]);
  it.each(cases)("%s, %s: the key or content %s", async (shape, code, words, url) => {
    const description = `The resource named below ${words} Please act on it. For guidance see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html and https://repost.aws/knowledge-center/potential-account-compromise`;
    const n = await parseOne(text(HEALTH_SHAPES[shape]!(code, description)));
    expect(n.destinationUrls, description).toEqual([url]);
  });

  it("a phishing page in a description is one; the brand's legitimate site it imitates is not", async () => {
    const n = await parseOne(text(HEALTH_SHAPES.EventBridge!("AWS_ABUSE_PHISHING_REPORT", "Your resource hosts a page at http://198.51.100.77:8080/signin/verify.html that imitates the legitimate site https://bank.example.com/login and collects passwords.")));
    expect(n.destinationUrls).toEqual(["http://198.51.100.77:8080/signin/verify.html"]);
  });
});

/** A block in which AWS says what it blocked, with the port and protocol as labelled lines. */
const HEADINGS = [
  "Mitigation applied:",
  "Mitigations:",
  "Actions taken:",
  "Action taken by AWS:",
  "We have applied the following block:",
  "To stop the activity, we have put the following restriction in place:",
  "Blocked outbound traffic",
  "Action Taken: Blocked outbound traffic",
];
const PORT_LINES: [string, number[], string | null][] = [
  ["Port: 25", [25], null],
  ["Port(s): 465, 587", [465, 587], null],
  ["Destination Ports: 6667", [6667], null],
  ["Destination Ports and Protocols: 25/TCP", [25], "TCP"],
  ["Ports: 3389", [3389], null],
];

function spamNotice(extra: string): Buffer {
  return text(`Subject: Your AWS Abuse Report [20250611902] [AWS ID 111122223333]\n\nHello,\n\nWe have received reports that your resource has been sending unsolicited e-mail.\n\nReported Activity: Email Spam\nAWS Account ID: 111122223333\nImplicated Resource: EC2 Instance Id: i-0123456789abcdef0\n\n${extra}\n\nPlease reply within 24 hours.\n`);
}

describe("a port that appears only in what AWS blocked is a mitigation", () => {
  const cases: [string, string, number[], string | null][] = [];
  let k = 0;
  for (const heading of HEADINGS) for (const [line, ports, proto] of PORT_LINES) cases.push([heading, line, ports, proto ?? (k++ % 2 ? "UDP" : null)]);
  it.each(cases)("%s / %s", async (heading, portLine, ports, proto) => {
    const details = [proto && !portLine.includes("/") ? `Protocol: ${proto}` : null, "Direction: Outbound", portLine].filter((x) => x !== null);
    for (const order of [details, [...details].reverse()]) {
      const block = `${heading}\n${order.join("\n")}`;
      for (const n of [await parseOne(spamNotice(block)), await parseOne(text(HEALTH_SHAPES.EventBridge!("AWS_ABUSE_EC2_EMAIL_SPAM_REPORT", `We received reports of unsolicited e-mail.\n\n${block}`)))]) {
        expect([n.remotePorts, n.protocol], block).toEqual([[], null]);
        const m = n.mitigations.find((x) => x.ports && ports.every((p) => x.ports!.includes(p)));
        expect(m, `${block}: ${JSON.stringify(n.mitigations)}`).toBeDefined();
        if (proto) expect(m!.protocol).toBe(proto);
        expect(m!.direction).toBe("outbound");
      }
    }
  });

  it("'blocked' in the port's own value makes it the mitigation's", async () => {
    const n = await parseOne(spamNotice("Ports: 25 (blocked by AWS)"));
    expect(n.remotePorts).toEqual([]);
    expect(n.mitigations.map((m) => m.ports)).toEqual([[25]]);
  });

  it("unless the text says it is the reported traffic: a details heading, a remote party in the block, 'reported' in the value", async () => {
    const details = await parseOne(spamNotice("Mitigation applied:\nBlocked outbound traffic\n\nDetails of the abusive activity:\nProtocol: TCP\nRemote port(s): 25"));
    expect([details.remotePorts, details.protocol]).toEqual([[25], "TCP"]);
    // the same with the blank lines a published copy drops
    const merged = await parseOne(spamNotice("Mitigation applied:\nBlocked outbound traffic\nDetails of the abusive activity:\nProtocol: TCP\nRemote port(s): 25"));
    expect([merged.remotePorts, merged.protocol]).toEqual([[25], "TCP"]);
    const remote = await parseOne(spamNotice("Blocked outbound traffic\nRemote IP: 203.0.113.25\nPort: 25"));
    expect(remote.remotePorts).toEqual([25]);
    const said = await parseOne(spamNotice("Mitigation applied:\nPort: 25 (the reported traffic)"));
    expect(said.remotePorts).toEqual([25]);
    const outside = await parseOne(spamNotice("Remote port(s): 25\n\nTo stop the activity we have blocked outbound traffic on port 25."));
    expect(outside.remotePorts).toEqual([25]);
  });

  it("AWS's auto-mitigation table keeps its ports: each row names the remote party it was sent to", async () => {
    const n = await parseOne("dos-mitigation-table.txt");
    expect(n.remotePorts).toEqual([123]);
  });
});
