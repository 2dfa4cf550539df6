/**
 * The skeleton every page stands on: authentication on every route, the role guard, CSRF,
 * security headers and CSP on every response, the body size limit, static files by name only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireRole } from "../../src/web/auth.ts";
import { CSP } from "../../src/web/security.ts";
import { BASE, cookiesOf, webFixture, type WebFixture } from "./helpers.ts";

let w: WebFixture;
beforeAll(async () => {
  w = await webFixture({ extra: [(app) => app.get("/__test/approver-only", requireRole("approver"), (c) => c.text("ok"))] });
});
afterAll(async () => {
  await w.close();
});

describe("authentication", () => {
  it("sends a page request without a session to the sign-in page, keeping where it was going", async () => {
    const res = await w.request("/?status=new");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/login?next=${encodeURIComponent("/?status=new")}`);
  });

  it("answers a post without a session with 401 (and htmx with HX-Redirect)", async () => {
    const res = await w.request("/logout", { method: "POST", headers: { "hx-request": "true" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("hx-redirect")).toMatch(/^\/login/);
  });

  it("says how to create the first user when there is none, and has no default account", async () => {
    const res = await w.request("/login");
    expect(await res.text()).toContain("abuse-desk user add NAME --role approver");
    const r2 = await w.request("/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE }, body: "name=admin&password=admin" });
    expect(r2.status).toBe(403); // no sign-in token: not even looked at
  });

  it("keeps one sign-in token per browser: a stray request to /login or the favicon does not make the form on screen stale", async () => {
    const first = await w.request("/login");
    const cookie = cookiesOf(first)["abuse-desk-signin"]!;
    const again = await w.request("/login?next=%2Ffavicon.ico", { headers: { cookie: `abuse-desk-signin=${cookie}` } });
    expect(/name="_csrf" value="([^"]+)"/.exec(await again.text())![1]).toBe(cookie);
    const icon = await w.request("/favicon.ico");
    expect(icon.status).toBe(204);
  });

  it("signs in, rotates the session on a second sign-in, and signs out", async () => {
    const a = await w.agent("rota", "viewer");
    expect((await a.get("/")).status).toBe(200);
    const b = await w.agent("rota");
    expect(b.cookie).not.toBe(a.cookie);
    const out = await b.post("/logout");
    expect(out.status).toBe(303);
    expect((await b.get("/")).status).toBe(303);
  });

  it("refuses a wrong password with one sentence for both unknown user and wrong password", async () => {
    const form = await w.request("/login");
    const cookie = cookiesOf(form)["abuse-desk-signin"]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const post = (name: string) =>
      w.request("/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", cookie: `abuse-desk-signin=${cookie}`, origin: BASE }, body: new URLSearchParams({ _csrf: token, name, password: "not the password at all" }) }, "192.0.2.50");
    await w.store.users.addUser("known", "viewer", "the real password 123");
    const r1 = await post("known");
    const r2 = await post("nobody-here");
    expect(r1.status).toBe(401);
    expect(r2.status).toBe(401);
    const msg = (t: string) => /role="alert">([^<]*)</.exec(t)?.[1];
    expect(msg(await r1.text())).toBe(msg(await r2.text()));
  });
});

describe("roles", () => {
  it("lets requireRole refuse with 403 naming the role needed", async () => {
    const v = await w.agent("vera", "viewer");
    const res = await v.get("/__test/approver-only");
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("needs the approver role");
    const boss = await w.agent("boss", "approver");
    expect((await boss.get("/__test/approver-only")).status).toBe(200);
  });
});

describe("CSRF", () => {
  it("refuses a post without the token, with a wrong one, and from another origin", async () => {
    const a = await w.agent("csrf-user", "viewer");
    expect((await a.post("/logout", {}, { csrf: false })).status).toBe(403);
    expect((await a.post("/logout", {}, { csrf: "x".repeat(43) })).status).toBe(403);
    expect((await a.post("/logout", {}, { headers: { origin: "https://evil.example" } })).status).toBe(403);
    expect((await a.post("/logout", {}, { headers: { "sec-fetch-site": "cross-site" } })).status).toBe(403);
    // still signed in after all that
    expect((await a.get("/")).status).toBe(200);
    // the header form works (htmx)
    const r = await a.request("/logout", { method: "POST", headers: { "x-csrf-token": a.csrf, origin: BASE } });
    expect(r.status).toBe(303);
  });
});

describe("headers and limits", () => {
  it("puts the strict CSP and security headers on pages, refusals, 404s and static files", async () => {
    const a = await w.agent("hdr", "viewer");
    for (const res of [await w.request("/login"), await w.request("/"), await a.get("/no/such/page"), await a.post("/logout", {}, { csrf: false }), await w.request("/static/app.css")]) {
      expect(res.headers.get("content-security-policy")).toBe(CSP);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
    }
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it("sets the session cookie HttpOnly, SameSite=Lax; Secure with __Host- over TLS", async () => {
    await w.store.users.addUser("tls", "viewer", "correct horse battery staple").catch(() => undefined);
    const form = await w.app.request("https://desk.test/login", {}, { incoming: { socket: { remoteAddress: "127.0.0.1" } } });
    const cookie = cookiesOf(form)["abuse-desk-signin"]!;
    const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const res = await w.app.request(
      "https://desk.test/login",
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", cookie: `abuse-desk-signin=${cookie}`, origin: "https://desk.test" }, body: new URLSearchParams({ _csrf: token, name: "tls", password: "correct horse battery staple" }) },
      { incoming: { socket: { remoteAddress: "127.0.0.1" } } },
    );
    expect(res.status).toBe(303);
    const set = res.headers.getSetCookie().find((l) => l.startsWith("__Host-abuse-desk="))!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/Secure/);
    expect(set).toMatch(/SameSite=Lax/);
    expect(set).toMatch(/Path=\//);
    expect(res.headers.get("strict-transport-security")).toMatch(/max-age=/);
  });

  it("refuses a body larger than the limit before reading it (413)", async () => {
    const a = await w.agent("big", "viewer");
    const res = await a.post("/logout", { pad: "x".repeat(w.deps.config.limits.bodyBytes + 10) });
    expect(res.status).toBe(413);
  });

  it("serves only the static files it lists, with no path from the request on disk", async () => {
    expect((await w.request("/static/htmx.min.js")).status).toBe(200);
    expect((await w.request("/static/..%2f..%2fpackage.json")).status).toBe(404);
    const dotted = await w.request("/static/%2e%2e/app.ts");
    expect(dotted.status).not.toBe(200);
    expect(await dotted.text()).not.toContain("createWebApp");
  });
});
