/** Every format family, read from the project's own fixtures (fixtures/notices). */
import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/notice/index.ts";
import { UserError } from "../../src/errors.ts";
import { fixture, parseItems, parseOne } from "./helpers/load.ts";

describe("EC2 abuse e-mails", () => {
  it("legacy: separate Instance Id / IP Address lines, case number, reporter fields and log", async () => {
    const n = await parseOne("legacy-port-scan.txt", { receivedAt: "2015-10-01T08:00:00Z" });
    expect(n.activityType).toBe("port_scan");
    expect(n.kind).toBe("initial_report");
    expect(n.caseNumber).toBe("10468407181-2");
    expect(n.instanceIds).toEqual(["i-4f3e2d1c"]);
    expect(n.publicIps).toEqual(["192.0.2.44"]);
    expect(n.remoteIps).toEqual(["203.0.113.80", "203.0.113.81"]);
    expect(n.remotePorts).toEqual([22, 2222]);
    expect(n.protocol).toBe("TCP");
    // "Wed Sep 30 14:39:00 UTC" takes its year from the receipt date
    expect(n.window.begin).toBe("2015-09-30T14:39:00Z");
    expect(n.logExtract).toContain("DPT=2222");
    expect(n.reporterFields["Destination IPs"]).toBe("203.0.113.80, 203.0.113.81");
    expect(n.provenance.remoteIps![0]!.part).toBe("forwarded");
    expect(n.provenance.instanceIds![0]!.part).toBe("body");
  });

  it("2017+: several resources, QP multipart/alternative, auto-detected details with a port count", async () => {
    const [item] = await parseItems("aws2017-multi-resource.eml");
    const n = item!.notice;
    expect(n.format).toBe("email");
    expect(n.activityType).toBe("port_scan");
    expect(n.caseNumber).toBe("20240123456");
    expect(n.accountIds).toEqual(["111122223333"]);
    expect(n.regions).toEqual(["eu-west-1"]);
    expect(n.instanceIds).toEqual(["i-0a1b2c3d4e5f6a7b8"]);
    expect(n.networkInterfaceIds).toEqual(["eni-0123abcd4567ef890"]);
    expect(n.resources.map((r) => r.type)).toEqual(["ec2-instance", "network-interface", "nat-gateway"]);
    expect(n.resources[0]).toMatchObject({ publicIp: "198.51.100.7", accountId: "111122223333", region: "eu-west-1" });
    expect(n.publicIps).toEqual(["198.51.100.7"]);
    expect(n.remoteIps).toEqual(["203.0.113.99"]);
    expect(n.remotePorts).toEqual({ count: 1505 });
    expect(n.window).toEqual({ begin: "2024-03-04T22:10:05Z", end: "2024-03-04T22:40:59Z" });
    expect(n.receivedAt).toBe("2024-03-05T09:12:00Z");
    expect(n.provenance.caseNumber).toEqual([{ part: "subject", excerpt: "Your AWS Abuse Report [20240123456] [AWS ID 111122223333]" }]);
    expect(n.deadline).toMatchObject({ at: "2024-03-06T09:12:00Z", basis: "default" });
    expect(item!.mail!.links.some((l) => l.part === "html" && l.text === "the policy")).toBe(true);
    expect(n.destinationUrls).toEqual([]); // the AUP link is AWS's, not the incident's
  });

  it("a mitigation table: protocol number 17 is UDP, the Action Taken port is not a remote port", async () => {
    const n = await parseOne("dos-mitigation-table.txt");
    expect(n.activityType).toBe("dos");
    expect(n.protocol).toBe("UDP");
    expect(n.remotePorts).toEqual([123]);
    expect(n.mitigations).toHaveLength(1);
    expect(n.mitigations[0]).toMatchObject({ action: "block_port", direction: "outbound", ports: [123], resourceId: "i-0bbbbbbbbbbbbbbb1", region: "sa-east-1" });
  });
});

describe("HTML turned to text with merged lines", () => {
  it("labels glued to the previous sentence, to an id or to a bullet; the reporter's fields on the separator line", async () => {
    const n = await parseOne("html-merged-lines.txt");
    expect(n.activityType).toBe("botnet_c2");
    expect(n.instanceIds).toEqual(["i-0a1b2c3d4e5f6a7b8"]);
    expect(n.publicIps).toEqual(["198.51.100.9"]);
    expect(n.remoteIps).toEqual(["203.0.113.7"]);
    expect(n.remotePorts).toEqual([6667]);
    expect(n.window).toEqual({ begin: "2017-03-03T03:30:00Z", end: "2017-03-03T03:40:00Z" });
    expect(n.fields.find((f) => f.label === "Destination IPs")).toMatchObject({ value: "203.0.113.7", source: { part: "forwarded" } });
  });
});

describe("several resources and activity blocks", () => {
  it("load balancer, bucket, distribution; the window spans every block", async () => {
    const n = await parseOne("dos-several-resources.txt");
    expect(n.resources.map((r) => `${r.type} ${r.id}`)).toEqual([
      "ec2-instance i-0abc1234def567890",
      "load-balancer my-lb-1234567890.us-east-1.elb.amazonaws.com",
      "s3-bucket media-assets-prod",
      "cloudfront-distribution d111111abcdef8.cloudfront.net",
      "ec2-instance i-0abc1234def567891",
    ]);
    expect(n.window).toEqual({ begin: "2019-02-01T10:00:00Z", end: "2019-02-01T13:00:00Z" });
    expect(n.protocol).toBe("TCP");
    expect(n.remoteIps).toEqual(["198.51.100.1", "198.51.100.2", "198.51.100.3"]);
    expect(n.remotePorts).toEqual([22, 80, 443, 53]);
  });
});

describe("Trust & Safety notices", () => {
  it("final notification: labels with no space or the value on the next line, mitigations, stated deadline", async () => {
    const n = await parseOne("trust-safety-final.txt", { receivedAt: "2024-07-11T00:00:00Z" });
    expect(n.kind).toBe("final_notification");
    expect(n.activityType).toBe("intrusion");
    expect(n.accountIds).toEqual(["111122223333"]);
    expect(n.instanceIds).toEqual(["i-0fedcba9876543210"]);
    expect(n.window.begin).toBe("2024-07-10T02:21:07Z");
    expect(n.mitigations.map((m) => m.action)).toEqual(["isolate", "block_port", "block_stop_start"]);
    expect(n.mitigations[1]).toMatchObject({ protocol: "TCP", ports: [22], direction: "outbound" });
    expect(n.mitigations[2]!.region).toBe("us-east-1");
    expect(n.remotePorts).toEqual([]); // port 22 was blocked by AWS, it is not the activity's
    expect(n.deadline).toMatchObject({ basis: "stated", at: "2024-07-12T00:00:00Z", text: "within 24 hours" });
    expect(n.fields.find((f) => f.label === "AWS Account ID")!.value).toBe("111122223333");
  });

  it("vulnerability report: Implicated Resource:EC2 Instance Id and Region: with no space", async () => {
    const n = await parseOne("trust-safety-vulnerability.txt");
    expect(n.instanceIds).toEqual(["i-0a1b2c3d4e5f60718"]);
    expect(n.regions).toEqual(["eu-central-1"]);
    expect(n.fields.find((f) => f.label === "Reported Vulnerability")!.value).toBe("rpcbind_portmapper");
  });

  it("a reminder that names no activity is a follow-up about 'other'", async () => {
    const n = await parseOne("reminder-no-activity.txt");
    expect(n.kind).toBe("follow_up");
    expect(n.activityType).toBe("other");
  });

  it("a follow-up about another instance: masked ids (x's and y's) are redactions, the activity is named", async () => {
    const n = await parseOne("follow-up-another-instance.txt");
    expect(n.kind).toBe("follow_up");
    expect(n.activityType).toBe("open_proxy");
    expect(n.instanceIds).toEqual([]);
    expect(n.redactions.map((r) => r.text)).toEqual(["i-xxxxxxxxxxxxxxxxx", "i-yyyyyyyyyyyyy"]);
  });

  it("resolved", async () => {
    const n = await parseOne("case-resolved.txt", { receivedAt: "2024-01-01T00:00:00Z" });
    expect(n.kind).toBe("resolved");
    expect(n.activityType).toBe("other");
    expect(n.deadline.at).toBeNull();
  });

  it("X-ARF report forwarded inside the notice", async () => {
    const n = await parseOne("xarf-forwarded.txt");
    expect(n.activityType).toBe("intrusion"); // AWS's sentence wins over the reporter's Report-Type
    expect(n.remoteIps).toEqual(["198.51.100.140"]);
    expect(n.remotePorts).toEqual([22]);
    expect(n.window.begin).toBe("2024-02-10T03:05:06Z");
  });

  it("a reporter's web form: split date, time and zone; EC2 DNS name gives IP and region; private log addresses ignored", async () => {
    const n = await parseOne("form-fields.txt");
    expect(n.activityType).toBe("port_scan");
    expect(n.window.begin).toBe("2019-05-03T07:10:00Z");
    expect(n.regions).toEqual(["us-west-1"]);
    expect(n.publicIps).toEqual(["192.0.2.77"]);
    expect(n.remoteIps).toEqual(["203.0.113.33"]);
    expect(n.remotePorts).toEqual([5060]);
    expect(n.protocol).toBe("UDP");
    expect(n.reporterFields["Abuse type"]).toBe("port-scanning");
    expect(n.logExtract).toContain("10.1.2.3:5060");
  });

  it("access keys with their IAM users, from a table and from labelled fields", async () => {
    const n = await parseOne(Buffer.from("Access Key ID    IAM User\nAKIA2E0A8F3B244C9986    deploy-bot\n\nAccess Key Id: AKIA3B4C5D6E7F8G9H0J    IAM User: builder\n"));
    expect(n.accessKeyIds).toEqual(["AKIA2E0A8F3B244C9986", "AKIA3B4C5D6E7F8G9H0J"]);
    expect(n.resources.map((r) => [r.type, r.id, r.iamUser ?? null])).toEqual([
      ["access-key", "AKIA2E0A8F3B244C9986", "deploy-bot"],
      ["iam-user", "deploy-bot", null],
      ["access-key", "AKIA3B4C5D6E7F8G9H0J", "builder"],
      ["iam-user", "builder", null],
    ]);
  });

  it("DMCA case", async () => {
    const n = await parseOne("dmca.txt");
    expect(n.caseNumber).toBe("AWS-DMCA-48213");
    expect(n.activityType).toBe("copyright");
    expect(n.resources).toEqual([expect.objectContaining({ type: "s3-bucket", id: "example-media-bucket" })]);
    expect(n.destinationUrls).toEqual(["https://example-media-bucket.s3.amazonaws.com/movies/film.mp4"]);
    expect(n.deadline.text).toBe("within 2 business days");
  });
});

describe("credentials, compromise, SES", () => {
  it("exposed key in a base64 support-case e-mail: key, IAM user, URL, case id, launch limit", async () => {
    const n = await parseOne("credentials-exposed-base64.eml");
    expect(n.kind).toBe("credentials_exposed");
    expect(n.activityType).toBe("credentials_exposed");
    expect(n.caseNumber).toBe("9876543210");
    expect(n.subject).toBe("Amazon Web Services – case 9876543210");
    expect(n.accessKeyIds).toEqual(["AKIA2E0A8F3B244C9986"]);
    expect(n.resources.find((r) => r.type === "access-key")!.iamUser).toBe("deploy-bot");
    expect(n.accountIds).toEqual(["111122223333"]);
    expect(n.destinationUrls).toEqual(["https://github.com/example-org/example-repo/blob/0123abc/config/settings.py"]);
    expect(n.mitigations.map((m) => m.action)).toEqual(["limit_launch"]);
    expect(n.deadline).toMatchObject({ basis: "stated", at: "2025-04-15T15:00:00Z" });
  });

  it("account compromise: the earliest stated deadline wins", async () => {
    const n = await parseOne("account-compromised.txt", { receivedAt: "2025-04-12T00:00:00Z" });
    expect(n.kind).toBe("account_compromise");
    expect(n.activityType).toBe("account_compromise");
    expect(n.deadline).toMatchObject({ basis: "stated", at: "2025-04-14T00:00:00Z", text: "by 2025-04-14" });
  });

  it("'between January 22 and February 4': a window of whole days, the year from receipt", async () => {
    const n = await parseOne(Buffer.from("Dear AWS Customer,\n\nYour AWS Account may be compromised. We observed unauthorized usage between January 22 and February 4 on your account.\n"), { receivedAt: "2024-02-10T00:00:00Z" });
    expect(n.activityType).toBe("account_compromise");
    expect(n.window).toEqual({ begin: "2024-01-22T00:00:00Z", end: "2024-02-04T23:59:59Z" });
    expect(n.warnings).toEqual([]);
  });

  it("SES probation: region by name, identity", async () => {
    const n = await parseOne("ses-probation.txt");
    expect(n.kind).toBe("ses_enforcement");
    expect(n.activityType).toBe("spam_email");
    expect(n.regions).toEqual(["us-west-2"]);
    expect(n.resources).toEqual([expect.objectContaining({ type: "ses-identity", id: "mail.example.com" })]);
  });
});

describe("mail shapes", () => {
  it("HTML-only mail (windows-1252, QP) is read as text", async () => {
    const [item] = await parseItems("html-only.eml");
    const n = item!.notice;
    expect(n.activityType).toBe("open_proxy");
    expect(n.regions).toEqual(["eu-west-1"]);
    expect(n.instanceIds).toEqual(["i-0d0d0d0d0d0d0d0d0"]);
    expect(item!.mail!.text).toContain("We’ve received");
    expect(item!.mail!.links).toContainEqual({ href: "https://repost.aws/knowledge-center/aws-abuse-report", text: "here", part: "html" });
  });

  it("inline forward: the notice's own subject, sender and date", async () => {
    const [item] = await parseItems("forwarded-inline.eml");
    const n = item!.notice;
    expect(item!.mail!.forwarded).toBe(true);
    expect(item!.mail!.from!.address).toBe("alice@example.com");
    expect(n.from).toBe("Amazon EC2 Abuse <ec2-abuse@amazon.com>");
    expect(n.caseNumber).toBe("40512345678");
    expect(n.activityType).toBe("dos");
    expect(n.instanceIds).toEqual(["i-0e0e0e0e0e0e0e0e0"]);
    expect(n.receivedAt).toBe("2024-01-11T23:42:00Z");
  });

  it("message/rfc822 forward: the attached notice is read", async () => {
    const [item] = await parseItems("forwarded-rfc822.eml");
    const n = item!.notice;
    expect(item!.mail!.forwarded).toBe(true);
    expect(item!.mail!.attachments).toEqual([expect.objectContaining({ contentType: "message/rfc822", filename: "notice.eml" })]);
    expect(n.activityType).toBe("crawling");
    expect(n.caseNumber).toBe("51234567890");
    expect(n.window.begin).toBe("2025-02-02T20:00:00Z");
    expect(n.receivedAt).toBe("2025-02-02T21:15:00Z"); // the notice's own date, not the forward's
  });

  it("mbox: one item per message, >From unescaped, exact bytes kept", async () => {
    const items = await parseItems("three-messages.mbox");
    expect(items.map((i) => i.notice.kind)).toEqual(["initial_report", "follow_up", "resolved"]);
    expect(items.map((i) => i.notice.caseNumber)).toEqual(["60000000001", "60000000001", "60000000001"]);
    expect(items[0]!.raw.toString()).toContain("\nFrom the reporter: nothing more.");
    expect(items[0]!.raw.toString().startsWith("From: ")).toBe(true);
    expect(items[1]!.notice.activityType).toBe("port_scan");
    expect(items.map((i) => i.index)).toEqual([0, 1, 2]);
  });
});

describe("AWS Health events", () => {
  it("EventBridge abuse event: region from eventRegion, instance from the entity ARN, description facts", async () => {
    const n = await parseOne("health-eventbridge-abuse.json");
    expect(n.format).toBe("health-event");
    expect(n.kind).toBe("health_event");
    expect(n.activityType).toBe("port_scan");
    expect(n.regions).toEqual(["eu-west-2"]);
    expect(n.accountIds).toEqual(["111122223333"]);
    expect(n.instanceIds).toEqual(["i-0abcabcabcabcabca"]);
    expect(n.remoteIps).toEqual(["203.0.113.150"]);
    expect(n.remotePorts).toEqual([22, 3389]);
    expect(n.window).toEqual({ begin: "2024-05-20T13:40:00Z", end: "2024-05-20T13:55:00Z" });
    expect(n.caseNumber).toBeNull(); // the event ARN suffix is not a case number
    expect(n.health).toMatchObject({ eventTypeCode: "AWS_ABUSE_EC2_PORT_SCANNING_REPORT", source: "aws.health", fetchedFromApi: false });
    expect(n.provenance.regions![0]).toMatchObject({ part: "event" });
  });

  it("PutEvents entries with Detail as a JSON string: one item per event", async () => {
    const items = await parseItems("health-putevents.json");
    expect(items.map((i) => i.notice.activityType)).toEqual(["spam_email", "credentials_exposed"]);
    expect(items[1]!.notice.accessKeyIds).toEqual(["AKIA3B4C5D6E7F8G9H0J"]);
    expect(items[1]!.notice.regions).toEqual(["us-east-1"]);
    expect(JSON.parse(items[1]!.raw.toString())).toMatchObject({ DetailType: "AWS Health Event", Source: "aws.health" });
  });

  it("DescribeEventDetails: ISO times with offsets, a new code classified by pattern", async () => {
    const n = await parseOne("health-api-details.json");
    expect(n.activityType).toBe("crypto_mining");
    expect(n.window).toEqual({ begin: "2024-08-01T00:00:00Z", end: "2024-08-01T01:30:00Z" });
    expect(n.instanceIds).toEqual(["i-0123412341234abcd"]);
    expect(n.health!.statusCode).toBe("open");
  });

  it("a fragment that is not JSON on its own, with a string broken across lines", async () => {
    const n = await parseOne("health-event-fragment.txt");
    expect(n.activityType).toBe("credentials_exposed");
    expect(n.regions).toEqual(["global"]);
    expect(n.window.begin).toBe("2023-03-01T15:00:00.500Z");
    expect(n.health!.arn).toBe("arn:aws:health:global::event/RISK/AWS_RISK_IAM_QUARANTINE/AWS_RISK_IAM_QUARANTINE-AbCdEf123");
  });

  it("an unknown code stays visible as other, with the code kept", async () => {
    const n = await parseOne("health-unknown-code.json");
    expect(n.activityType).toBe("other");
    expect(n.activityText).toBe("AWS_ABUSE_EC2_QUANTUM_TELEPORT_REPORT");
    expect(n.health!.eventTypeCode).toBe("AWS_ABUSE_EC2_QUANTUM_TELEPORT_REPORT");
    expect(n.warnings.join(" ")).toMatch(/unknown AWS Health event code/);
  });

  it("SNS-wrapped event: a phishing URL on S3 is a fact, not an AWS help link", async () => {
    const n = await parseOne("health-sns.json");
    expect(n.activityType).toBe("phishing");
    expect(n.destinationUrls).toEqual(["https://login-example.s3.amazonaws.com/verify.html"]);
    expect(n.resources).toEqual([expect.objectContaining({ type: "s3-bucket", id: "login-example" })]);
  });

  it("the Health console's text copy", async () => {
    const [item] = await parseItems("health-console-open-proxy.txt");
    expect(item!.format).toBe("health-console");
    expect(item!.notice.activityType).toBe("open_proxy");
    expect(item!.notice.window.begin).toBe("2021-10-14T03:30:56Z");
  });

  it("the console copy's Affected resources tab, copied as a table", async () => {
    const copy = "Event\nAbuse port scanning report\nStart time\nJuly 10, 2024 at 11:21:07 AM UTC+9\nStatus\nOpen\nRegion / Availability Zone\nap-northeast-1\nAffected resources\ni-0aaaabbbbccccdddd\tOpen\tJul 10, 2024\narn:aws:ec2:ap-northeast-1:111122223333:instance/i-0eeeeffff00001111\tOpen\tJul 10, 2024\n";
    const [item] = await parseItems(Buffer.from(copy));
    expect(item!.format).toBe("health-console");
    expect(item!.notice.activityType).toBe("port_scan");
    expect(item!.notice.instanceIds).toEqual(["i-0aaaabbbbccccdddd", "i-0eeeeffff00001111"]);
    expect(item!.notice.regions).toEqual(["ap-northeast-1"]);
    expect(item!.notice.window.begin).toBe("2024-07-10T02:21:07Z");
  });

  it("JSON that is not a Health event is a clear UserError", async () => {
    await expect(parseInput(fixture("not-health.json"))).rejects.toThrow(UserError);
    await expect(parseInput(fixture("not-health.json"))).rejects.toThrow(/not an AWS Health event/);
  });
});
