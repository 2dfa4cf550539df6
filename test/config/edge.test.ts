/**
 * Configuration is read at the edge (the CLI commands, serve's entry, the web desk's deps, the
 * doctor) and passed in: the stages are given an account spec, a database URL, an audit key, a
 * policy path, the AWS adapter's options, a configuration document (with the environment it was
 * read with), and read no environment of their own.
 *
 * Three kinds of check: the source below the edge has no `process.env` and no configuration-file
 * read (an explicit allow-list, each entry saying why); each value's precedence (flag over
 * configuration key or environment, as documented); and stages given a value run with a poisoned
 * environment that they must ignore.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import { endpointFor } from "../../src/cloud/aws/options.ts";
import { openCloud } from "../../src/cloud/open.ts";
import { accountSpec, openAccount } from "../../src/config/account.ts";
import { loadAwsOptions } from "../../src/config/aws.ts";
import { readConfigFile } from "../../src/config/file.ts";
import { policyPath } from "../../src/config/policy.ts";
import { AUDIT_KEY_ENV, loadAuditKey, storeOptions, storeTarget } from "../../src/config/store.ts";
import { notifySettings } from "../../src/notify/config.ts";
import { replySettings, smtpSettings } from "../../src/reply/config.ts";
import { serveSettings } from "../../src/serve/config.ts";
import { webDeps } from "../../src/web/server.ts";
import { makeNotice, makeVerdict } from "../case/fixtures.ts";
import { POLICY, testService } from "../serve/service-helpers.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SRC = join(ROOT, "src");

/** What may read the environment or the configuration file, and why. A path ending in / is a directory. */
const EDGE: { path: string; may: ("process.env" | "readConfigFile" | "configPath")[]; why: string }[] = [
  { path: "src/cli/", may: ["process.env", "readConfigFile"], why: "the CLI: each command reads its flags, the environment and the configuration, and passes the values in" },
  { path: "src/config/", may: ["process.env", "readConfigFile", "configPath"], why: "the edge modules that turn (flags, environment, configuration file) into values, with the documented precedence" },
  { path: "src/serve/index.ts", may: ["readConfigFile"], why: "serve's entry (openService): reads the configuration with the environment it is given when the CLI did not pass the document; never process.env" },
  { path: "src/doctor/index.ts", may: ["readConfigFile", "configPath"], why: "the doctor checks the configuration file itself, read with the environment its edge (the CLI) gives it; never process.env" },
  { path: "src/home.ts", may: ["process.env"], why: "the data directory's one rule (ABUSE_DESK_HOME, else ~/.abuse-desk), the default of callers that name no directory; a stage given one never reads it" },
  { path: "src/time.ts", may: ["process.env"], why: "TZ, the zone human output is shown in beside UTC: a presentation default like the terminal's width; a caller may give the zone" },
  { path: "src/cloud/aws/index.ts", may: ["process.env"], why: "sets (never reads) AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED for the SDK, which reads its own AWS_* variables: the SDK's edge" },
];

const PATTERNS: Record<(typeof EDGE)[number]["may"][number], RegExp> = {
  "process.env": /\bprocess\.env\b/,
  readConfigFile: /\breadConfigFile\s*\(/,
  configPath: /\bconfigPath\s*\(/,
};

/** The code without its comments (a comment may name process.env; code may not). Strings are kept. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(f) ? [p] : [];
  });
}

describe("nothing below the edge reads the environment or the configuration file", () => {
  it("every file under src/ outside the allow-list is free of process.env, readConfigFile( and configPath(", () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(200);
    const found: string[] = [];
    for (const file of files) {
      const rel = relative(ROOT, file);
      const allowed = new Set(EDGE.filter((e) => (e.path.endsWith("/") ? rel.startsWith(e.path) : rel === e.path)).flatMap((e) => e.may));
      const text = code(readFileSync(file, "utf8"));
      for (const [name, re] of Object.entries(PATTERNS)) if (!allowed.has(name as keyof typeof PATTERNS) && re.test(text)) found.push(`${rel}: ${name}`);
    }
    expect(found).toEqual([]);
  });

  it("each allow-list entry still exists, says why, and still needs what it allows (no stale entries)", () => {
    for (const e of EDGE) {
      expect(e.why.length, e.path).toBeGreaterThan(40);
      const files = e.path.endsWith("/") ? sources(join(ROOT, e.path)) : [join(ROOT, e.path)];
      for (const may of e.may) expect(files.some((f) => PATTERNS[may].test(code(readFileSync(f, "utf8")))), `${e.path} ${may}`).toBe(true);
    }
  });

  it("the scan sees through nothing: a read in code is found, the same words in a comment are not", () => {
    expect(PATTERNS["process.env"].test(code("const a = 1; // process.env.X\n/* process.env */ const b = 2;"))).toBe(false);
    expect(PATTERNS["process.env"].test(code('const u = "http://x"; const a = process.env.DATABASE_URL;'))).toBe(true);
    expect(PATTERNS.readConfigFile.test(code("const d = readConfigFile (env);"))).toBe(true);
  });
});

describe("precedence, value by value", () => {
  it("the account: --account, then the command's configuration key (intake.account, web.account), then $ABUSE_DESK_ACCOUNT", async () => {
    const env = { ABUSE_DESK_ACCOUNT: "sim:env.yaml" };
    expect(accountSpec({ flag: "aws", configured: "sim" }, env)).toBe("aws");
    expect(accountSpec({ configured: "sim" }, env)).toBe("sim");
    expect(accountSpec({}, env)).toBe("sim:env.yaml");
    expect(accountSpec({}, { ABUSE_DESK_ACCOUNT: "" })).toBeNull();
    // serve: intake.account over the environment
    expect(serveSettings({ path: null, data: { intake: { account: "sim" } } }, env).account).toBe("sim");
    expect(serveSettings({ path: null, data: {} }, env).account).toBe("sim:env.yaml");
    // a command: --account over the environment
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-edge-acct-"));
    try {
      expect((await openAccount("sim", { home }, { ABUSE_DESK_ACCOUNT: "gcp" })).label).toBe("sim (bundled sample estate)");
      await expect(openAccount(undefined, { home }, { ABUSE_DESK_ACCOUNT: "gcp" })).rejects.toThrow(/--account gcp: not an account specification/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("the web desk's account and policy: --account over web.account over $ABUSE_DESK_ACCOUNT; the service's policy over $ABUSE_DESK_POLICY", async () => {
    const store = { location: "none" } as never;
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const env = { ABUSE_DESK_ACCOUNT: "sim:env.yaml", ABUSE_DESK_POLICY: "/env/policy.yaml" };
    const doc = { path: null, data: { web: { account: "sim:file.yaml" } } };
    expect((await webDeps(store, doc, { account: "aws", log }, env)).accountSpec).toBe("aws");
    expect((await webDeps(store, doc, { log }, env)).accountSpec).toBe("sim:file.yaml");
    const bare = await webDeps(store, { path: null, data: {} }, { log }, env);
    expect(bare).toMatchObject({ accountSpec: "sim:env.yaml", policyPath: "/env/policy.yaml" });
    expect((await webDeps(store, doc, { policy: "/serve/policy.yaml", log }, env)).policyPath).toBe("/serve/policy.yaml");
    expect(await webDeps(store, { path: null, data: {} }, { log }, {})).toMatchObject({ accountSpec: null, policyPath: null });
  });

  it("the policy: --policy, then intake.policy (serve), then $ABUSE_DESK_POLICY, else none", () => {
    const env = { ABUSE_DESK_POLICY: "/env.yaml" };
    expect(policyPath({ flag: "/flag.yaml", configured: "/file.yaml" }, env)).toBe("/flag.yaml");
    expect(policyPath({ configured: "/file.yaml" }, env)).toBe("/file.yaml");
    expect(policyPath({}, env)).toBe("/env.yaml");
    expect(policyPath({}, {})).toBeNull();
    expect(serveSettings({ path: null, data: { intake: { policy: "/file.yaml" } } }, env).policy).toBe("/file.yaml");
    expect(serveSettings({ path: null, data: {} }, env).policy).toBe("/env.yaml");
  });

  it("the database: an explicit URL (serve's storeUrl) over DATABASE_URL, else SQLite in the data directory", async () => {
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-edge-db-"));
    try {
      expect(storeTarget({ ABUSE_DESK_HOME: home, DATABASE_URL: "postgres://u@db/x" })).toEqual({ home, url: "postgres://u@db/x" });
      expect(storeTarget({ ABUSE_DESK_HOME: home, DATABASE_URL: "" })).toEqual({ home });
      const o = await storeOptions({ ABUSE_DESK_HOME: home, DATABASE_URL: "postgres://u@db/x" }, { url: join(home, "given.db") });
      expect(o.url).toBe(join(home, "given.db"));
      expect(o.auditKey?.source).toBe(join(home, "audit.key"));
      // an unsupported database is refused before any key file is made
      const fresh = join(home, "fresh");
      await expect(storeOptions({ ABUSE_DESK_HOME: fresh, DATABASE_URL: "mysql://db/x" })).rejects.toThrow(/DATABASE_URL: unsupported database mysql/);
      expect(existsSync(fresh)).toBe(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("the audit key: ABUSE_DESK_AUDIT_KEY, then the configuration's audit:, then the data directory's key file", () => {
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-edge-key-"));
    try {
      writeFileSync(join(home, "config.yaml"), "audit:\n  key: env:TEAM_KEY\n");
      const env = { [AUDIT_KEY_ENV]: "e".repeat(40), TEAM_KEY: "c".repeat(40) };
      expect(loadAuditKey(home, env).source).toBe(AUDIT_KEY_ENV);
      expect(loadAuditKey(home, { TEAM_KEY: env.TEAM_KEY }).source).toBe("TEAM_KEY");
      rmSync(join(home, "config.yaml"));
      expect(loadAuditKey(home, {}).source).toBe(join(home, "audit.key"));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("the AWS profile and endpoints: --profile over AWS_PROFILE over aws.profile; aws.endpoints over AWS_ENDPOINT_URL*, which AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns off", () => {
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-edge-aws-"));
    try {
      writeFileSync(join(home, "config.yaml"), "aws:\n  profile: from-file\n  endpoints:\n    s3: http://127.0.0.1:4566\n");
      const env = { ABUSE_DESK_HOME: home, AWS_PROFILE: "from-env", AWS_ENDPOINT_URL: "http://127.0.0.1:9999", AWS_ENDPOINT_URL_EC2: "http://127.0.0.1:8888" };
      expect(loadAwsOptions({ profile: "from-flag" }, env).profile).toBe("from-flag");
      expect(loadAwsOptions({}, env).profile).toBe("from-env");
      expect(loadAwsOptions({}, { ABUSE_DESK_HOME: home }).profile).toBe("from-file");
      const o = loadAwsOptions({}, env);
      expect(endpointFor(o, "s3")).toBe("http://127.0.0.1:4566");
      expect(endpointFor(o, "ec2")).toBe("http://127.0.0.1:8888");
      expect(endpointFor(o, "iam")).toBe("http://127.0.0.1:9999");
      const ignored = loadAwsOptions({}, { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" });
      expect([endpointFor(ignored, "s3"), endpointFor(ignored, "ec2")]).toEqual(["http://127.0.0.1:4566", undefined]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("reply, SMTP and notify settings: ABUSE_DESK_* over the file, from the environment the document was read with", () => {
    const home = mkdtempSync(join(tmpdir(), "abuse-desk-edge-doc-"));
    try {
      writeFileSync(join(home, "config.yaml"), "reply:\n  from: file@example.com\nsmtp:\n  url: smtp://file.example.com:25\n");
      const env = { ABUSE_DESK_HOME: home, ABUSE_DESK_REPLY_FROM: "env@example.com", ABUSE_DESK_SMTP_URL: "smtp://env.example.com:2525" };
      const doc = readConfigFile(env);
      expect(replySettings(doc).from).toBe("env@example.com");
      expect(smtpSettings(doc)?.host).toBe("env.example.com");
      const plain = readConfigFile({ ABUSE_DESK_HOME: home });
      expect(replySettings(plain).from).toBe("file@example.com");
      expect(smtpSettings(plain)?.host).toBe("file.example.com");
      // the environment travels with the document but is never printed or compared with it
      expect(JSON.stringify(doc)).not.toContain("env.example.com");
      expect(Object.keys(doc)).toEqual(["path", "data"]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe("a stage given its values ignores a poisoned environment", () => {
  const POISON: Record<string, string> = {
    ABUSE_DESK_ACCOUNT: "gcp",
    ABUSE_DESK_POLICY: "/nonexistent/poisoned-policy.yaml",
    DATABASE_URL: "mysql://poisoned/db",
    ABUSE_DESK_AUDIT_KEY: "poisoned key that is long enough to be used as one",
    ABUSE_DESK_CONFIG: "/nonexistent/poisoned-config.yaml",
    AWS_PROFILE: "poisoned-profile",
    AWS_ENDPOINT_URL: "http://127.0.0.1:9/poisoned",
    ABUSE_DESK_SLACK_WEBHOOK_URL: "https://poisoned.example/hook",
    ABUSE_DESK_SMTP_URL: "smtp://poisoned.example:25",
    ABUSE_DESK_REPLY_FROM: "poisoned@example.com",
  };
  const saved = process.env;
  let read: Set<string>;
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "abuse-desk-edge-poison-"));
    read = new Set();
    // Every read of a poisoned name is recorded, whatever path it takes (a default parameter included).
    process.env = new Proxy({ ...saved, ...POISON, ABUSE_DESK_HOME: home }, {
      get(target, key, receiver) {
        if (typeof key === "string" && key in POISON) read.add(key);
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
  });
  afterEach(() => {
    process.env = saved;
    rmSync(home, { recursive: true, force: true });
  });

  it("the store: opened where it is told, keyed with the key it is given", async () => {
    const key = loadAuditKey(home, {});
    const store = await openStore({ home, url: join(home, "given.db"), auditKey: key });
    try {
      await store.intake({ notice: makeNotice(), verdict: makeVerdict(), raw: Buffer.from("poison-1") });
      expect(store.auditKeyInfo.source).toBe(join(home, "audit.key"));
      expect(store.location).toBe(join(home, "given.db"));
    } finally {
      await store.destroy();
    }
    // given nothing: SQLite in the data directory and its key file, not DATABASE_URL or ABUSE_DESK_AUDIT_KEY
    const bare = await openStore({ home });
    try {
      expect(bare.location).toBe(join(home, "abuse-desk.db"));
      expect(bare.auditKeyInfo.source).toBe(join(home, "audit.key"));
    } finally {
      await bare.destroy();
    }
    expect([...read]).toEqual([]);
  });

  it("the account: openCloud opens the spec it is given, and the adapter only the options it is given", async () => {
    expect((await openCloud("sim", { home })).label).toBe("sim (bundled sample estate)");
    await expect(openCloud("")).rejects.toThrow(/no cloud account to search/);
    const aws = await openCloud("aws", { aws: () => ({ region: "eu-west-1" }) });
    expect(aws.label).not.toContain("poisoned");
    (aws as { close?: () => void }).close?.();
    expect(endpointFor({}, "ec2")).toBeUndefined();
    expect([...read]).toEqual([]);
  });

  it("the web desk's deps, the service, and the settings of a document read with another environment", async () => {
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const deps = await webDeps({ location: "none" } as never, { path: null, data: {} }, { log }, {});
    expect(deps).toMatchObject({ accountSpec: null, policyPath: null });
    const doc = readConfigFile({ ABUSE_DESK_HOME: home });
    expect(notifySettings(doc).channels).toEqual([]);
    expect(smtpSettings(doc)).toBeNull();
    expect(replySettings(doc).from).toBeNull();
    const opened = await testService({ home, port: null, account: null, policy: null });
    try {
      expect(opened.store.location).toBe(join(home, "abuse-desk.db"));
      expect(opened.store.auditKeyInfo.source).toBe(join(home, "audit.key"));
      expect([opened.account, opened.policy]).toEqual([null, null]);
    } finally {
      await opened.close();
    }
    expect([...read]).toEqual([]);
  });

  it("serve's entry resolves the account and the policy once (intake: over the environment) and says them, for the web desk it serves", async () => {
    const opened = await testService({ home, port: null, env: { ABUSE_DESK_HOME: home, ABUSE_DESK_POLICY: "/env/policy.yaml" } });
    try {
      expect([opened.account, opened.policy]).toEqual(["sim", POLICY]);
    } finally {
      await opened.close();
    }
    expect([...read]).toEqual([]);
  });
});
