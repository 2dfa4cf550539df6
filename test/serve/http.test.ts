/**
 * The service's HTTP side (/healthz, /readyz, /metrics, the mount hook) through app.request() and
 * once over a real loopback socket; the log's redaction of secrets.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServeApp, listen } from "../../src/serve/http.ts";
import { webDeskMount } from "../../src/serve/web-mount.ts";
import { serveSettings } from "../../src/serve/config.ts";
import { createLogger, scrub } from "../../src/serve/log.ts";
import { newHome, SAMPLE, testService } from "./service-helpers.ts";

const TOKEN = "0123456789abcdef-metrics";
let opened: Awaited<ReturnType<typeof testService>>;
const stop = new AbortController();
let running: Promise<void>;

beforeAll(async () => {
  const home = newHome();
  copyFileSync(SAMPLE, join(home, "inbox", "n1.eml"));
  opened = await testService({ home, port: null });
  await opened.service.once();
}, 60_000);

afterAll(async () => {
  stop.abort();
  await running;
  await opened.close();
});

describe("/healthz /readyz /metrics", () => {
  it("answers health at once, readiness only while the service runs, with details only for the token", async () => {
    const app = await createServeApp(opened.service, { token: TOKEN });
    expect((await app.request("/healthz")).status).toBe(200);
    const before = await app.request("/readyz");
    expect(before.status).toBe(503);
    running = opened.service.run(stop.signal);
    const anon = await app.request("/readyz");
    expect(anon.status).toBe(200);
    expect(await anon.json()).toEqual({ status: "ready" });
    const full = await app.request("/readyz", { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(await full.json()).toMatchObject({ status: "ready", store: "ok", sources: [{ name: "dir", kind: "dir" }] });
    expect(full.headers.get("cache-control")).toBe("no-store");
    expect(full.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("serves Prometheus metrics to the token holder only", async () => {
    const app = await createServeApp(opened.service, { token: TOKEN });
    expect((await app.request("/metrics")).status).toBe(401);
    expect((await app.request("/metrics", { headers: { Authorization: "Bearer wrong-token-of-some-length" } })).status).toBe(401);
    const r = await app.request("/metrics", { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    expect(text).toMatch(/^abuse_desk_arrivals_total\{source="dir"\} 1$/m);
    expect(text).toMatch(/^abuse_desk_verdicts_total\{verdict="authentic"\} 1$/m);
    expect(text).toMatch(/^abuse_desk_cases\{status="new"\} 1$/m);
    expect(text).toMatch(/^abuse_desk_inbox_arrivals\{state="done"\} 1$/m);
    expect(text).toMatch(/^# TYPE abuse_desk_time_to_plan_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE abuse_desk_source_errors_total counter$/m);
    expect(text).toMatch(/^abuse_desk_source_up\{kind="dir",source="dir"\} [01]$/m);
  });

  it("refuses other methods and unknown paths, and mounts the web desk's routes", async () => {
    const app = await createServeApp(opened.service, { token: null, mounts: [(a) => void a.get("/desk", (c) => c.text("web desk"))] });
    expect((await app.request("/metrics", { method: "POST" })).status).toBe(405);
    expect((await app.request("/nothing")).status).toBe(404);
    expect(await (await app.request("/desk")).text()).toBe("web desk");
    // no token configured (loopback only): details and metrics are open
    expect((await app.request("/metrics")).status).toBe(200);
  });

  it("serves the web desk on the same app: its sign-in and its guard on every other path, the service's own endpoints unchanged", async () => {
    const mount = webDeskMount({ store: opened.store, doc: { path: null, data: {} }, account: null, sources: () => opened.service.sourceHealth() });
    const app = await createServeApp(opened.service, { token: TOKEN, mounts: [mount] });
    // the service's own endpoints stay its own (the token still guards /metrics)
    expect((await app.request("/healthz")).status).toBe(200);
    expect((await app.request("/metrics")).status).toBe(401);
    const login = await app.request("/login");
    expect(login.status).toBe(200);
    expect(await login.text()).toMatch(/<form[^>]*action="\/login[?"]/);
    expect(login.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    // every desk page needs a signed-in user
    for (const path of ["/", "/cases/AD-2026-0001", "/settings"]) {
      const r = await app.request(path);
      expect({ path, status: r.status }).toEqual({ path, status: 303 });
      expect(r.headers.get("location")).toMatch(/^\/login/);
    }
    // a state change without a session and token is refused, not performed
    expect((await app.request("/intake", { method: "POST", body: new URLSearchParams({ text: "x" }) })).status).toBeGreaterThanOrEqual(400);
  });

  it("listens on loopback", async () => {
    const app = await createServeApp(opened.service, { token: null });
    const server = await listen(app, "127.0.0.1", 0);
    try {
      const r = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(await r.json()).toEqual({ status: "ok" });
    } finally {
      await server.close();
    }
  });

  it("will not serve off loopback without a token", () => {
    expect(() => serveSettings({ path: null, data: { intake: { http: { host: "0.0.0.0" } } } }, {})).toThrow(/intake.http.token/);
    expect(serveSettings({ path: null, data: { intake: { http: { host: "0.0.0.0", token: "env:T" } } } }, { T: TOKEN }).http).toMatchObject({ token: TOKEN });
  });
});

describe("logs", () => {
  it("never carry a secret: fields named for one, URL credentials, bearer tokens, password= in text, AWS secret keys", async () => {
    const lines: string[] = [];
    const dest = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger({ destination: dest, level: "info" });
    log.info(
      { password: "hunter2-pw", nested: { apiKey: "k-123456", auth: { clientSecret: "cs-999" } }, url: "imaps://alice:s3cr3t-pw@mail.example.org:993/", err: "401 for Authorization: Bearer abcdefghijklmnop" },
      "connecting to postgres://desk:pg-pass-1@db/desk with password=plain-pass-2",
    );
    log.error({ err: new Error("AccessDenied with key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") }, "failed");
    log.flush();
    await new Promise((r) => setTimeout(r, 50));
    const out = lines.join("");
    for (const secret of ["hunter2-pw", "k-123456", "cs-999", "s3cr3t-pw", "abcdefghijklmnop", "pg-pass-1", "plain-pass-2", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]) expect(out).not.toContain(secret);
    expect(out).toContain("mail.example.org");
    expect(scrub("https://example.org/path")).toBe("https://example.org/path");
  });
});
