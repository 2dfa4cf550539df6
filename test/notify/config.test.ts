import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { notifySettings } from "../../src/notify/config.ts";
import { readConfigFile } from "../../src/config/file.ts";
import { replySettings, smtpSettings } from "../../src/reply/config.ts";

function doc(yaml: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "ad-cfg-"));
  writeFileSync(join(dir, "config.yaml"), yaml);
  return { doc: readConfigFile({ ABUSE_DESK_HOME: dir, ...env }), env: { ABUSE_DESK_HOME: dir, ...env }, dir };
}

describe("configuration", () => {
  it("reads every channel, secrets from the environment", () => {
    const { doc: d, env } = doc(
      `
smtp:
  host: smtp.example.com
  user: desk
  pass: env:SMTP_PASSWORD
reply:
  from: Security <security@example.com>
  signature: { name: Dana Smith, team: Security Operations }
notify:
  deadlineWarningHours: 6
  retry: { attempts: 5 }
  slack:
    webhookUrl: env:SLACK_URL
    events: [case-new, deadline-near]
  email:
    to: [secops@example.com]
  webhooks:
    - name: siem
      url: https://siem.example.com/hooks/abuse
      secret: env:HOOK_SECRET
`,
      { SMTP_PASSWORD: "pw", SLACK_URL: "https://hooks.slack.com/services/T000/B000/XXXX", HOOK_SECRET: "0123456789abcdef0123" },
    );
    const n = notifySettings(d, env);
    expect(n.channels.map((c) => [c.name, c.kind, c.events])).toEqual([
      ["slack", "slack", ["case-new", "deadline-near"]],
      ["email", "email", "all"],
      ["webhook:siem", "webhook", "all"],
    ]);
    expect(n.retry).toEqual({ attempts: 5, initialDelayMs: 500, maxDelayMs: 10_000 });
    expect(n.deadlineWarningHours).toBe(6);
    expect(smtpSettings(d, env)).toEqual({ host: "smtp.example.com", port: 587, secure: false, requireTLS: true, rejectUnauthorized: true, auth: { user: "desk", pass: "pw" }, timeoutMs: 30_000 });
    expect(replySettings(d, env)).toMatchObject({ from: "Security <security@example.com>", signature: { name: "Dana Smith", team: "Security Operations" } });
  });

  it("has no channels and no SMTP without configuration", () => {
    const dir = mkdtempSync(join(tmpdir(), "ad-cfg-"));
    const d = readConfigFile({ ABUSE_DESK_HOME: dir });
    expect(d).toEqual({ path: null, data: {} });
    expect(notifySettings(d, {}).channels).toEqual([]);
    expect(smtpSettings(d, {})).toBeNull();
  });

  it("takes SMTP from a URL, TLS optional only on loopback", () => {
    const empty = { path: null, data: {} };
    expect(smtpSettings(empty, { ABUSE_DESK_SMTP_URL: "smtps://u%40x:p%3Aw@mail.example.com" })).toMatchObject({ host: "mail.example.com", port: 465, secure: true, requireTLS: true, auth: { user: "u@x", pass: "p:w" } });
    expect(smtpSettings(empty, { ABUSE_DESK_SMTP_URL: "smtp://127.0.0.1:2525" })).toMatchObject({ port: 2525, secure: false, requireTLS: false, auth: null });
    expect(() => smtpSettings(empty, { ABUSE_DESK_SMTP_URL: "http://x" })).toThrow(/smtp:\/\/ or smtps:\/\//);
  });

  it("names the key that is wrong", () => {
    expect(() => notifySettings(doc("notify:\n  slack: { webhookUrl: 'http://hooks.example.com/x' }\n").doc, {})).toThrow(/notify.slack.webhookUrl must be an https:\/\/ URL/);
    expect(() => notifySettings(doc("notify:\n  retry: { attempts: 0 }\n").doc, {})).toThrow(/notify\.retry\.attempts/);
    expect(() => notifySettings(doc("notify:\n  slack: { webhookUrl: x, events: [case-nwe] }\n").doc, {})).toThrow(/notify\.slack\.events\.0: unknown event "case-nwe" \(one of: case-new, /);
    expect(() => notifySettings(doc("notify:\n  slack: { webhookUrl: x, events: everything }\n").doc, {})).toThrow(/events must be "all" or a list of/);
    expect(() => notifySettings(doc("notify:\n  webhooks: [{ url: 'https://x.example', secret: short }]\n").doc, {})).toThrow(/too short/);
    expect(() => notifySettings(doc("notify:\n  webhooks: [{ url: 'https://x.example', secret: 'env:NOPE' }]\n").doc, {})).toThrow(/NOPE is not set/);
    expect(() => notifySettings(doc("notify:\n  email: { to: [a@example.com] }\n").doc, {})).toThrow(/needs an SMTP server/);
    expect(() => notifySettings(doc("notify:\n  slak: {}\n").doc, {})).toThrow(/notify: Unrecognized key/);
    expect(() => readConfigFile({ ABUSE_DESK_HOME: doc("smtp: [\n").dir })).toThrow(/not valid YAML/);
    expect(() => readConfigFile({ ABUSE_DESK_CONFIG: "/nonexistent/abuse-desk.yaml" })).toThrow(/no such configuration file/);
  });

  it("adds channels from the environment", () => {
    const empty = { path: null, data: {} };
    const n = notifySettings(empty, { ABUSE_DESK_SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/x", ABUSE_DESK_WEBHOOK_URL: "http://127.0.0.1:9/h", ABUSE_DESK_WEBHOOK_SECRET: "0123456789abcdef" });
    expect(n.channels.map((c) => c.name)).toEqual(["slack", "webhook:env"]);
  });
});
