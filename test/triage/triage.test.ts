/** `abuse-desk triage`: verdict first, one sentence, facts, time left, resources, next steps. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/notice/index.ts";
import type { Notice } from "../../src/notice/types.ts";
import { nextSteps } from "../../src/triage/advice.ts";
import { formatDuration, timeLeft } from "../../src/triage/index.ts";
import type { TriageJson as TriageReport } from "../../src/cli/json/view.ts";
import { summarize } from "../../src/triage/summary.ts";
import { runCli } from "../helpers/cli.ts";

const NOTICES = join(import.meta.dirname, "../../fixtures/notices");
const VERIFY = join(import.meta.dirname, "../../fixtures/verify");

async function notice(text: string): Promise<Notice> {
  const { items } = await parseInput(Buffer.from(text));
  return items[0]!.notice;
}

describe("summary sentence", () => {
  it("names the instance with its IP, the place, the activity, the traffic and the window", async () => {
    const n = await notice(
      [
        "We've received a report(s) that your AWS resource(s)",
        "",
        "AWS ID: 111122223333    Region: eu-west-1    EC2 Instance Id: i-0a1b2c3d4e5f67890 [198.51.100.23]",
        "",
        "has been implicated in activity which resembles scanning remote hosts on the internet for security vulnerabilities.",
        "",
        "Report begin time: 2026-11-25 22:10:05 UTC",
        "Report end time: 2026-11-25 22:40:59 UTC",
        "Protocol: TCP",
        "Remote IP: 203.0.113.99",
        "Remote port(s): 22",
      ].join("\n"),
    );
    expect(summarize(n)).toBe(
      "AWS reports that instance i-0a1b2c3d4e5f67890 (198.51.100.23) in account 111122223333, eu-west-1 was scanning remote hosts for open ports (TCP, port 22, to 203.0.113.99) between 2025-11-25 22:10:05 UTC and 2025-11-25 22:40:59 UTC.".replace(/2025/g, "2026"),
    );
  });

  it("says a resolved case is resolved, and a follow-up is one", async () => {
    expect(summarize(await notice("Hello,\nThis case has been investigated and resolved by the AWS Abuse Team.\n"))).toMatch(/investigated and resolved/);
    const f = await notice(
      "We have not received a response regarding the abuse report implicating resources on your account.\n\nReported Activity: Port Scanning\nAbuse Time: 27 Apr 2026 14:46:47 GMT\n",
    );
    expect(f.kind).toBe("follow_up");
    expect(summarize(f)).toMatch(/^AWS is following up/);
  });

  it("speaks of an exposed key as exposed", async () => {
    const n = await notice(
      'Your security is important to us. We have become aware that the AWS Access Key AKIAZ7QLEAKEDKEY2345 (belonging to IAM user "ci-deployer") along with the corresponding Secret Key is publicly available online at https://github.com/example/leak/blob/main/.env\n',
    );
    expect(n.activityType).toBe("credentials_exposed");
    expect(summarize(n)).toContain("access key AKIAZ7QLEAKEDKEY2345");
    expect(summarize(n)).toBe(
      "AWS reports that access key AKIAZ7QLEAKEDKEY2345 (IAM user ci-deployer) was published online at https://github.com/example/leak/blob/main/.env.",
    );
  });
});

describe("next steps", () => {
  it("contain-and-preserve for a host; revoke-the-rule for a proxy; rotate for a key", () => {
    expect(nextSteps({ kind: "initial_report", activityType: "port_scan" }, "authentic").join(" ")).toMatch(/Isolate it/);
    expect(nextSteps({ kind: "initial_report", activityType: "open_proxy" }, "authentic").join(" ")).toMatch(/Revoke only the world-open ingress rules/);
    expect(nextSteps({ kind: "credentials_exposed", activityType: "credentials_exposed" }, "authentic").join(" ")).toMatch(/Deactivate the exposed access key/);
  });

  it("always begins with the verdict and ends with the reply, except for a resolved case", () => {
    for (const activityType of ["dos", "phishing", "other", "spam_email"] as const) {
      const steps = nextSteps({ kind: "initial_report", activityType }, "authentic");
      expect(steps[0]).toMatch(/verdict/);
      expect(steps[steps.length - 1]).toMatch(/^Reply to AWS/);
    }
    expect(nextSteps({ kind: "resolved", activityType: "other" }, "authentic")).toHaveLength(1);
  });

  it("a final notification says so before anything else", () => {
    expect(nextSteps({ kind: "final_notification", activityType: "intrusion" }, "authentic")[1]).toMatch(/FINAL/);
  });
});

describe("next steps follow the verdict", () => {
  const KINDS = ["initial_report", "follow_up", "final_notification", "resolved", "credentials_exposed", "account_compromise", "ses_enforcement", "health_event"] as const;
  const ACTIVITIES = ["port_scan", "dos", "phishing", "credentials_exposed", "account_compromise", "open_proxy", "spam_email", "other"] as const;
  // what only a genuine notice may lead to: containment, the account, a reply in AWS's thread
  const ACTING = /isolat|abuse-desk (?:plan|apply|resolve)|deactivate|snapshot|revoke|reply to AWS|same thread|contain now|change the root password/i;

  it.each(["phishing", "suspicious"] as const)("%s: do not act, report it to AWS; never containment or a reply in the thread, whatever the notice says", (verdict) => {
    for (const kind of KINDS) {
      for (const activityType of ACTIVITIES) {
        const steps = nextSteps({ kind, activityType }, verdict);
        expect(steps[0], `${kind}/${activityType}`).toMatch(/^Do not act on this notice/);
        expect(steps.join(" "), `${kind}/${activityType}`).toContain("stop-spoofing@amazon.com");
        for (const s of steps) expect(s, `${kind}/${activityType}`).not.toMatch(ACTING);
      }
    }
  });

  it("text that is not an AWS notice: says so, nothing to contain", () => {
    const steps = nextSteps({ kind: "initial_report", activityType: "other" }, "unverified", "it names nothing");
    expect(steps[0]).toMatch(/^This is not an AWS abuse notice/);
    for (const s of steps) expect(s).not.toMatch(ACTING);
    // a forged one that is not a notice either is still reported
    expect(nextSteps({ kind: "initial_report", activityType: "other" }, "phishing", "it names nothing")[0]).toMatch(/^Do not act/);
  });
});

describe("time left", () => {
  it("counts down, then counts overdue", () => {
    const d = { at: "2026-11-27T10:00:00.000Z", basis: "default" as const };
    expect(timeLeft(d, new Date("2026-11-26T10:48:00Z"))).toMatchObject({ overdue: false, text: "23 h 12 min left" });
    expect(timeLeft(d, new Date("2026-11-27T12:05:00Z"))).toMatchObject({ overdue: true, text: "overdue by 2 h 5 min" });
    expect(timeLeft({ at: null, basis: "unknown", text: "no date" }, new Date()).text).toBe("unknown (no date)");
    expect(formatDuration(3 * 86_400_000 + 3_600_000)).toBe("3 d 1 h");
  });
});

describe("abuse-desk triage", () => {
  it("--json: verdict, summary, notice, deadline, next steps", async () => {
    const r = await runCli("triage", join(NOTICES, "aws2017-multi-resource.eml"), "--json", "--offline", "--now", "2024-03-05T12:00:00Z");
    const t = JSON.parse(r.out) as TriageReport;
    expect(t.verdict.level).toBe("phishing"); // an amazon.com From with no DKIM signature at all
    expect(r.code).toBe(3);
    expect(t.notice.instanceIds).toEqual(["i-0a1b2c3d4e5f6a7b8"]);
    expect(Date.parse(t.deadline.at!)).toBe(Date.parse("2024-03-06T09:12:00Z"));
    expect(t.deadline).toMatchObject({ basis: "default", overdue: false, text: "21 h 12 min left" });
    expect(t.nextSteps[0]).toMatch(/^Do not act on this notice/); // phishing: reported, not acted on
    expect(t.resolution).toBeNull();
  });

  it("a forged notice's next steps are do-not-act and report-to-AWS, in the text and in --json", async () => {
    const r = await runCli("triage", join(NOTICES, "aws2017-multi-resource.eml"), "--json", "--offline", "--now", "2024-03-05T12:00:00Z");
    const t = JSON.parse(r.out) as TriageReport;
    expect(t.verdict.level).toBe("phishing");
    expect(t.nextSteps[0]).toMatch(/^Do not act on this notice/);
    expect(t.nextSteps.join(" ")).toContain("stop-spoofing@amazon.com");
    expect(t.nextSteps.join(" ")).not.toMatch(/Isolate|same thread|abuse-desk plan/);
    const human = await runCli("triage", join(NOTICES, "aws2017-multi-resource.eml"), "--offline", "--now", "2024-03-05T12:00:00Z");
    const steps = human.out.slice(human.out.indexOf("Next steps"));
    expect(steps).toMatch(/1\. Do not act on this notice/);
    expect(steps).not.toMatch(/Isolate|same thread|abuse-desk plan/);
  });

  it("text that is not an AWS notice says so first, in the text and in --json", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const file = join(mkdtempSync(join(tmpdir(), "triage-")), "lunch.txt");
    writeFileSync(file, "Hi team,\n\nLunch on Friday at noon? The usual place.\n\nBob\n");
    const r = await runCli("triage", file, "--json", "--offline");
    expect(r.code).toBe(0);
    const t = JSON.parse(r.out) as TriageReport;
    expect(Object.keys(t)[1]).toBe("notAnAwsNotice");
    expect(t.notAnAwsNotice).toMatch(/names no AWS case number, account, resource or abuse activity/);
    expect(t.summary).toMatch(/^This is not an AWS abuse notice/);
    expect(t.nextSteps[0]).toMatch(/^This is not an AWS abuse notice/);
    const human = await runCli("triage", file, "--offline");
    expect(human.out.split("\n")[0]).toMatch(/^NOT AN AWS NOTICE/);
    expect(human.out).not.toMatch(/AWS reports that/);
  });

  it("a genuinely signed notice is authentic, with the verdict printed first", async () => {
    const r = await runCli("triage", join(VERIFY, "mail", "genuine-signed.eml"), "--offline", "--dns-cache", join(VERIFY, "dns.json"), "--now", "2024-07-10T10:00:00Z");
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toMatch(/^AUTHENTIC/);
    expect(r.out).toMatch(/Deadline/);
    expect(r.out).toMatch(/Next steps/);
  });

  it("pasted text is unverified, never authentic, and plain when piped", async () => {
    const r = await runCli("triage", join(NOTICES, "trust-safety-final.txt"), "--offline");
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toMatch(/^UNVERIFIED/);
    expect(r.out).not.toMatch(/\x1b\[/);
  });

  it("an mbox gives one report per message", async () => {
    const r = await runCli("triage", join(NOTICES, "three-messages.mbox"), "--json", "--offline");
    const t = JSON.parse(r.out) as { items: TriageReport[]; failures: unknown[] };
    expect(t.items.map((i) => i.notice.kind)).toEqual(["initial_report", "follow_up", "resolved"]);
  });

  it("with --account sim, shows what the notice's resources are in the simulated estate", async () => {
    const text = [
      "We've received a report(s) that your AWS resource(s)",
      "AWS ID: 111122223333    Region: eu-west-1    EC2 Instance Id: i-0a1b2c3d4e5f67890 [198.51.100.23]",
      "has been implicated in activity which resembles scanning remote hosts on the internet for security vulnerabilities.",
    ].join("\n");
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const file = join(mkdtempSync(join(tmpdir(), "triage-")), "notice.txt");
    writeFileSync(file, text);
    const r = await runCli("triage", file, "--json", "--offline", "--account", "sim");
    const t = JSON.parse(r.out) as TriageReport;
    expect(t.resolution?.findings[0]?.status).toBe("found");
    const human = await runCli("triage", file, "--offline", "--account", "sim");
    expect(human.out).toMatch(/Resources\n\s+✓ /);
  });

  it("bad input: a clear error, no stack", async () => {
    const r = await runCli("triage", join(NOTICES, "does-not-exist.eml"));
    expect(r.code).toBe(66);
    expect(r.err).toMatch(/no such file/);
    expect(r.err).not.toMatch(/\n\s+at /);
    const bad = await runCli("triage", join(NOTICES, "aws2017-multi-resource.eml"), "--now", "yesterday-ish");
    expect(bad.code).toBe(64);
  });
});

describe("triage's advice: commands that can be pasted", () => {
  const TEXT = [
    "We've received a report(s) that your AWS resource(s)",
    "",
    "AWS ID: 111122223333    Region: eu-west-1    EC2 Instance Id: i-0a1b2c3d4e5f67890",
    "",
    "has been implicated in activity which resembles scanning remote hosts on the internet for security vulnerabilities.",
  ].join("\n");

  it("names the notice's file quoted for the shell and the --account/--profile/--region used", async () => {
    const { copyFileSync, mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = join(mkdtempSync(join(tmpdir(), "triage-advice-")), "it's here");
    (await import("node:fs")).mkdirSync(dir);
    const file = join(dir, "the notice.txt");
    writeFileSync(file, TEXT);
    const estate = join(dir, "my estate.yaml");
    copyFileSync(join(import.meta.dirname, "../../fixtures/estates/sample.yaml"), estate);
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

    const r = await runCli("triage", file, "--offline", "--json", "--account", `sim:${estate}`);
    const steps = (JSON.parse(r.out) as TriageReport).nextSteps.join("\n");
    expect(steps).toContain(`\`abuse-desk resolve ${q(file)} --account ${q(`sim:${estate}`)}\``);
    expect(steps).toContain(`\`abuse-desk plan ${q(file)} --account ${q(`sim:${estate}`)}\`, then \`apply\``);
    expect(steps).not.toMatch(/`abuse-desk resolve`/);

    const bare = await runCli("triage", file, "--offline", "--json");
    expect((JSON.parse(bare.out) as TriageReport).nextSteps.join("\n")).toContain(`\`abuse-desk resolve ${q(file)}\``);
  });

  it("the flags are the ones given, and standard input is FILE", () => {
    const run = (c: string) => `abuse-desk ${c} FILE --account aws --profile prod --region eu-west-1`;
    const steps = nextSteps({ kind: "initial_report", activityType: "port_scan" }, "authentic", null, run).join("\n");
    expect(steps).toContain("`abuse-desk resolve FILE --account aws --profile prod --region eu-west-1`");
    expect(nextSteps({ kind: "initial_report", activityType: "other" }, "unverified", "it names nothing", run)[0]).toContain("`abuse-desk intake --force-case FILE --account aws");
    // without a caller that knows the invocation, the bare command (the desk's default)
    expect(nextSteps({ kind: "initial_report", activityType: "port_scan" }, "authentic").join("\n")).toContain("`abuse-desk resolve`");
  });
});
