/**
 * Every page and action of the web desk's core through app.request(): what each role may do and
 * is refused, CSRF on each state change, the queue's filters, search and paging, the needs-a-person
 * view, the intake, the settings page's masking, sessions' timeouts, sign-in throttling and the
 * trusted-proxy mode.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeNotice, makePlan, makeVerdict, raw } from "../case/fixtures.ts";
import { BASE, cookiesOf, webFixture, type WebFixture } from "./helpers.ts";

const NOTICE = readFileSync(new URL("../../fixtures/notices/html-only.eml", import.meta.url));

async function addCase(w: WebFixture, over: Parameters<typeof makeNotice>[0] = {}, level: Parameters<typeof makeVerdict>[0] = "authentic") {
  const n = makeNotice(over);
  return (await w.store.intake({ notice: n, verdict: makeVerdict(level), raw: raw(n) })).case;
}

function multipart(fields: Record<string, string | { name: string; data: Buffer }>): { body: FormData } {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === "string") fd.set(k, v);
    else fd.set(k, new Blob([new Uint8Array(v.data)]), v.name);
  }
  return { body: fd };
}

let clock = new Date("2026-05-04T10:00:00Z");
let w: WebFixture;
beforeAll(async () => {
  w = await webFixture({ now: () => clock });
});
afterAll(async () => {
  await w.close();
});

describe("queue", () => {
  it("lists open cases deadline first, overdue marked, each linking to its case page", async () => {
    const a = await w.agent("q-viewer", "viewer");
    const k = await addCase(w, { instanceIds: ["i-0feed0000000000aa"], deadline: { at: "2026-05-03T00:00:00.000Z", basis: "stated" } });
    const res = await a.get("/");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`href="/cases/${k.id}"`);
    expect(html).toMatch(/<time data-countdown="true" datetime="2026-05-03T00:00:00.000Z" class="overdue"/);
    expect(html).toContain("overdue by");
  });

  it("filters as case list does and refuses a value not in its list", async () => {
    const a = await w.agent("q-viewer");
    const scan = await addCase(w, { activityType: "port_scan", accountIds: ["444455556666"] });
    const dos = await addCase(w, { activityType: "dos", accountIds: ["777788889999"] });
    const html = await (await a.get("/?activity=dos")).text();
    expect(html).toContain(dos.id);
    expect(html).not.toContain(scan.id);
    const byAccount = await (await a.get("/?account=444455556666")).text();
    expect(byAccount).toContain(scan.id);
    expect(byAccount).not.toContain(dos.id);
    const bad = await a.get("/?status=%3Cscript%3E");
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain("<script>");
    expect((await a.get("/?account=12")).status).toBe(400);
    expect((await a.get("/?after=not%20a%20cursor")).status).toBe(400);
  });

  it("filters by verdict and unassigned", async () => {
    const a = await w.agent("q-viewer");
    const phish = await addCase(w, { accountIds: ["121212121212"], instanceIds: ["i-0aaaaaaaaaaaaaaa1"] }, "phishing");
    const html = await (await a.get("/?verdict=phishing")).text();
    expect(html).toContain(phish.id);
    const other = await addCase(w, { accountIds: ["131313131313"], instanceIds: ["i-0aaaaaaaaaaaaaaa2"] });
    await w.store.assign(other.id, "someone");
    const un = await (await a.get("/?assignee=-")).text();
    expect(un).not.toContain(other.id);
    expect(await (await a.get("/?assignee=someone")).text()).toContain(other.id);
  });

  it("searches by instance, IP, access key and AWS case number; the desk's case id opens the case", async () => {
    const a = await w.agent("q-viewer");
    const k = await addCase(w, { instanceIds: ["i-0search000000000b1"], publicIps: ["203.0.113.77"], accessKeyIds: ["AKIAEXAMPLESEARCH01"], caseNumber: "98765432101-1", accountIds: ["565656565656"] });
    for (const q of ["i-0search000000000b1", "I-0SEARCH000000000B1", "203.0.113.77", "AKIAEXAMPLESEARCH01", "98765432101-1", "565656565656"]) {
      const html = await (await a.get(`/?q=${encodeURIComponent(q)}`)).text();
      expect(html, q).toContain(`href="/cases/${k.id}"`);
    }
    const none = await (await a.get("/?q=i-0nothing").then((r) => r.text()));
    expect(none).toContain("No case matches the search");
    const go = await a.get(`/?q=${k.id}`);
    expect(go.status).toBe(303);
    expect(go.headers.get("location")).toBe(`/cases/${k.id}`);
  });

  it("pages by keyset: the next page continues where the first ended, filters kept", async () => {
    const a = await w.agent("q-viewer");
    for (let i = 0; i < 55; i++) await addCase(w, { activityType: "spam_email", accountIds: [String(990000000000 + i)], instanceIds: [`i-0page${String(i).padStart(12, "0")}`] });
    const first = await (await a.get("/?activity=spam_email")).text();
    const next = /href="(\/\?activity=spam_email&amp;after=[^"]+)"/.exec(first)?.[1]?.replace(/&amp;/g, "&");
    expect(next).toBeTruthy();
    const second = await (await a.get(next!)).text();
    const ids = (h: string) => [...h.matchAll(/href="\/cases\/(AD-[^"]+)"/g)].map((m) => m[1]);
    expect(ids(first)).toHaveLength(50);
    expect(ids(second)).toHaveLength(5);
    expect(ids(second).filter((x) => ids(first).includes(x))).toEqual([]);
    // the first page has no previous page; the second's previous page is the first, filters kept
    expect(first).not.toContain("Previous page");
    const prev = /href="(\/\?activity=spam_email&amp;before=[^"]+)" rel="prev"/.exec(second)?.[1]?.replace(/&amp;/g, "&");
    expect(prev).toBeTruthy();
    const back = await (await a.get(prev!)).text();
    expect(ids(back)).toEqual(ids(first));
    expect(back).not.toContain("Previous page");
    expect(back).toContain("Next page");
    expect((await a.get("/?before=not%20a%20cursor")).status).toBe(400);
  });

  it("shows notice text escaped, with bidi overrides made visible", async () => {
    const a = await w.agent("q-viewer");
    await addCase(w, { subject: 'Abuse <script>window.pwned=1</script> <img src=x onerror=alert(1)> \u202Egnp.exe', accountIds: ["343434343434"] });
    const html = await (await a.get("/?account=343434343434")).text();
    expect(html).not.toContain("<script>window.pwned");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toContain("\u202E");
    expect(html).toContain("&lt;U+202E&gt;");
  });
});

describe("needs a person", () => {
  it("lists plans waiting for approval, failed steps, doubtful notices and follow-ups to link", async () => {
    const a = await w.agent("n-viewer", "viewer");
    const waiting = await addCase(w, { accountIds: ["101010101010"], instanceIds: ["i-0wait00000000001"] });
    const plan = makePlan(waiting.id);
    await w.store.savePlan(plan);
    const failing = await addCase(w, { accountIds: ["202020202020"], instanceIds: ["i-0fail00000000001"] });
    const fplan = makePlan(failing.id);
    await w.store.savePlan(fplan);
    await w.store.append({ planId: fplan.id, stepId: fplan.steps[0]!.id, phase: "started", actor: "t" });
    await w.store.append({ planId: fplan.id, stepId: fplan.steps[0]!.id, phase: "failed", actor: "t", error: "UnauthorizedOperation <b>x</b>" });
    const phish = await addCase(w, { accountIds: ["303030303030"], instanceIds: ["i-0phis00000000001"] }, "suspicious");
    const res = await a.get("/needs-a-person");
    expect(res.status).toBe(200);
    const html = await res.text();
    const section = (title: string) => html.slice(html.indexOf(title), html.indexOf("<h2", html.indexOf(title) + 1) >>> 0);
    expect(section("Plans waiting for approval")).toContain(plan.id);
    expect(section("Plans waiting for approval")).not.toContain(fplan.id);
    expect(section("Failed steps")).toContain(fplan.id);
    expect(section("Failed steps")).toContain("UnauthorizedOperation &lt;b&gt;x&lt;/b&gt;");
    expect(section("Suspicious or phishing")).toContain(phish.id);
    // a plan whose steps are all done waits for nobody
    for (const s of plan.steps) {
      await w.store.append({ planId: plan.id, stepId: s.id, phase: "started", actor: "t" });
      await w.store.append({ planId: plan.id, stepId: s.id, phase: "done", actor: "t" });
    }
    const after = await (await a.get("/needs-a-person")).text();
    expect(after.slice(after.indexOf("Plans waiting"), after.indexOf("Failed steps"))).not.toContain(plan.id);
  });
});

describe("needs a person: approved, not applied", () => {
  it("says which waiting plans were approved (by whom, when) and not applied, and which wait for an approval", async () => {
    const a = await w.agent("n2-viewer", "viewer");
    const approved = await addCase(w, { accountIds: ["121212121212"], instanceIds: ["i-0appr00000000001"] });
    const aplan = makePlan(approved.id);
    await w.store.savePlan(aplan);
    // The approval exactly as the desk's approve action records it (src/web/routes/case-actions.ts approvePlan).
    await w.store.recordEvent(approved.id, "note", `Plan ${aplan.id} approved by carol <i>x</i> on the web desk`, { planId: aplan.id, planApproved: aplan.id, approvedBy: "carol <i>x</i>", steps: aplan.steps.map((s) => s.id) }, { actor: "web:carol" });
    const waiting = await addCase(w, { accountIds: ["131313131313"], instanceIds: ["i-0unap00000000001"] });
    const wplan = makePlan(waiting.id);
    await w.store.savePlan(wplan);
    const html = await (await a.get("/needs-a-person")).text();
    const table = html.slice(html.indexOf("Plans waiting for approval or to be applied"), html.indexOf("Failed steps"));
    const row = (planId: string) => {
      const at = table.indexOf(planId);
      expect(at).toBeGreaterThan(-1);
      return table.slice(table.lastIndexOf("<tr", at), table.indexOf("</tr>", at));
    };
    expect(row(aplan.id)).toContain("approved, not applied");
    expect(row(aplan.id)).toContain("carol &lt;i&gt;x&lt;/i&gt;");
    expect(row(aplan.id)).not.toContain("waiting for approval");
    expect(row(wplan.id)).toContain("waiting for approval");
    expect(row(wplan.id)).not.toContain("approved, not applied");
    // The store says the same to any other reader.
    const att = await w.store.needsAttention();
    expect(att.pendingPlans.find((p) => p.planId === aplan.id)?.approval).toMatchObject({ by: "carol <i>x</i>" });
    expect(att.pendingPlans.find((p) => p.planId === wplan.id)?.approval).toBeNull();
  });
});

describe("intake", () => {
  it("shows viewers the page but refuses their post (403), and a responder's post without CSRF", async () => {
    const v = await w.agent("i-viewer", "viewer");
    const page = await (await v.get("/intake")).text();
    expect(page).toContain("needs the responder role");
    expect((await v.post("/intake", { text: NOTICE.toString() })).status).toBe(403);
    const r = await w.agent("i-resp", "responder");
    expect((await r.post("/intake", { text: NOTICE.toString() }, { csrf: false })).status).toBe(403);
    expect(await w.store.requireCase("30498765432").catch(() => null)).toBeNull();
  });

  it("takes an uploaded file in as the signed-in user, the same path as `intake`", async () => {
    const r = await w.agent("i-resp", "responder");
    const res = await r.request("/intake", { method: "POST", headers: { origin: BASE, "x-csrf-token": r.csrf }, ...multipart({ file: { name: "n.eml", data: NOTICE } }) });
    expect(res.status).toBe(200);
    const html = await res.text();
    const id = /href="\/cases\/(AD-[^"]+)"/.exec(html)?.[1];
    expect(id).toBeTruthy();
    expect(html).toContain("opened a new case");
    const k = await w.store.requireCase("30498765432");
    expect(k.id).toBe(id);
    const tl = await w.store.timeline(k.id);
    expect(tl.find((e) => e.type === "notice-received")?.actor).toBe("web:i-resp");
    // the same notice pasted again is the same notice
    const again = await (await r.post("/intake", { text: NOTICE.toString("latin1") })).text();
    expect(again).toContain(k.id);
  });

  it("refuses an empty post (400), text that is no notice (422), and a notice over the limit (413)", async () => {
    const r = await w.agent("i-resp", "responder");
    expect((await r.post("/intake", { text: "   " })).status).toBe(400);
    const not = await r.post("/intake", { text: "hello, this is just a note about lunch" });
    expect(not.status).toBe(422);
    expect(await not.text()).toContain("Not an AWS abuse notice");
    const big = await r.request("/intake", {
      method: "POST",
      headers: { origin: BASE, "x-csrf-token": r.csrf },
      ...multipart({ file: { name: "big.eml", data: Buffer.alloc(w.deps.config.limits.noticeBytes + 1, 65) } }),
    });
    expect(big.status).toBe(413);
  });
});

describe("settings and placeholders", () => {
  it("shows the configuration read-only with secrets masked, users to approvers only", async () => {
    const fx = await webFixture({
      deps: {
        document: {
          path: "/etc/abuse-desk.yaml",
          data: { notify: { slack: { webhook: "https://hooks.slack.com/services/T000/B000/SECRETSECRET" } }, smtp: { host: "mail.example", password: "hunter2hunter2", user: "desk" }, reply: { from: "env:REPLY_FROM" } },
        },
      },
    });
    try {
      const v = await fx.agent("s-viewer", "viewer");
      const html = await (await v.get("/settings")).text();
      expect(html).not.toContain("SECRETSECRET");
      expect(html).not.toContain("hunter2");
      expect(html).toContain("env:REPLY_FROM");
      expect(html).toContain("mail.example");
      expect(html).not.toContain("<h2>Users</h2>");
      const boss = await fx.agent("s-boss", "approver");
      expect(await (await boss.get("/settings")).text()).toContain("<h2>Users</h2>");
    } finally {
      await fx.close();
    }
  });

  it("serves the inventory placeholder to any signed-in user", async () => {
    const v = await w.agent("p-viewer", "viewer");
    for (const p of ["/inventory"]) {
      const res = await v.get(p);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("not built yet");
    }
  });

  it("asks every page but /login and /static to sign in first", async () => {
    for (const p of ["/", "/needs-a-person", "/intake", "/settings", "/readiness", "/inventory", "/cases/AD-2026-0001"]) {
      expect((await w.request(p)).status, p).toBe(303);
    }
    for (const p of ["/intake", "/logout"]) expect((await w.request(p, { method: "POST" })).status, p).toBe(401);
  });
});

describe("sessions", () => {
  it("ends a session after the idle timeout and after the absolute one, whatever its activity", async () => {
    const fx = await webFixture({ now: () => clock, config: { session: { idleMinutes: 10, absoluteHours: 1 } } });
    try {
      clock = new Date("2026-05-04T10:00:00Z");
      const a = await fx.agent("t-user");
      clock = new Date("2026-05-04T10:09:00Z");
      expect((await a.get("/")).status).toBe(200);
      clock = new Date("2026-05-04T10:18:00Z"); // 9 minutes after the last request: still fresh
      expect((await a.get("/")).status).toBe(200);
      clock = new Date("2026-05-04T10:29:00Z");
      expect((await a.get("/")).status).toBe(303); // idle 11 minutes
      const b = await fx.agent("t-user");
      for (const m of [9, 18, 27, 36, 45, 54]) {
        clock = new Date(Date.parse("2026-05-04T10:29:00Z") + m * 60_000);
        expect((await b.get("/")).status).toBe(200);
      }
      clock = new Date(Date.parse("2026-05-04T10:29:00Z") + 61 * 60_000);
      expect((await b.get("/")).status).toBe(303); // past the absolute end
    } finally {
      clock = new Date("2026-05-04T10:00:00Z");
      await fx.close();
    }
  });

  it("takes a role change and a removal into account at the next request", async () => {
    const a = await w.agent("r-user", "responder");
    expect((await a.post("/intake", { text: "x" })).status).not.toBe(403);
    await w.store.users.setRole("r-user", "viewer");
    expect((await a.post("/intake", { text: "x" })).status).toBe(403);
    await w.store.users.removeUser("r-user");
    expect((await a.get("/")).status).toBe(303);
  });

  it("throttles sign-in after repeated failures, even with the right password then", async () => {
    const fx = await webFixture();
    try {
      await fx.store.users.addUser("victim", "viewer", "the right password!");
      const attempt = async (password: string) => {
        const form = await fx.request("/login", {}, "198.51.100.9");
        const cookie = cookiesOf(form)["abuse-desk-signin"]!;
        const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
        return fx.request("/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", cookie: `abuse-desk-signin=${cookie}`, origin: BASE }, body: new URLSearchParams({ _csrf: token, name: "victim", password }) }, "198.51.100.9");
      };
      for (let i = 0; i < 5; i++) expect((await attempt(`wrong password ${i}`)).status).toBe(401);
      const locked = await attempt("the right password!");
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await fx.close();
    }
  });

  it("redirects only to local paths after sign-in", async () => {
    await w.store.users.addUser("redir", "viewer", "correct horse battery staple");
    for (const next of ["//evil.example/", "https://evil.example/", "/\\evil.example"]) {
      const form = await w.request(`/login?next=${encodeURIComponent(next)}`);
      const cookie = cookiesOf(form)["abuse-desk-signin"]!;
      const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
      const res = await w.request(`/login?next=${encodeURIComponent(next)}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: `abuse-desk-signin=${cookie}`, origin: BASE },
        body: new URLSearchParams({ _csrf: token, name: "redir", password: "correct horse battery staple" }),
      });
      expect(res.headers.get("location"), next).toBe("/");
    }
  });
});

describe("trusted reverse proxy", () => {
  it("believes the header only from the proxy's address, and only for a known user (or the default role)", async () => {
    const fx = await webFixture({ config: { proxy: { enabled: true, header: "X-Forwarded-User", trusted: ["10.0.0.5/32"] } } });
    try {
      await fx.store.users.addUser("pat", "responder", null);
      const fromProxy = await fx.request("/", { headers: { "x-forwarded-user": "pat" } }, "10.0.0.5");
      expect(fromProxy.status).toBe(200);
      expect(await fromProxy.text()).toContain("pat");
      const spoofed = await fx.request("/", { headers: { "x-forwarded-user": "pat" } }, "10.0.0.6");
      expect(spoofed.status).toBe(303);
      expect(fx.log.lines.some((l) => l.level === "warn" && /untrusted/.test(l.msg))).toBe(true);
      const stranger = await fx.request("/", { headers: { "x-forwarded-user": "stranger" } }, "10.0.0.5");
      expect(stranger.status).toBe(403);
      // a state change through the proxy needs the proxy session's CSRF token too
      const session = cookiesOf(fromProxy)["abuse-desk"]!;
      const s = await fx.store.users.session(session, { now: fx.deps.clock() });
      const post = (csrf: string) =>
        fx.request("/intake", { method: "POST", headers: { "x-forwarded-user": "pat", cookie: `abuse-desk=${session}`, "content-type": "application/x-www-form-urlencoded", origin: BASE }, body: new URLSearchParams({ _csrf: csrf, text: "not a notice" }) }, "10.0.0.5");
      expect((await post("wrong")).status).toBe(403);
      expect((await post(s!.csrf)).status).toBe(422);
      // the proxy session does not stand without the proxy
      expect((await fx.request("/", { headers: { cookie: `abuse-desk=${session}` } }, "10.0.0.7")).status).toBe(303);
    } finally {
      await fx.close();
    }
    const fx2 = await webFixture({ config: { proxy: { enabled: true, header: "X-Forwarded-User", trusted: ["10.0.0.5"], defaultRole: "viewer" } } });
    try {
      const res = await fx2.request("/", { headers: { "x-forwarded-user": "newcomer" } }, "::ffff:10.0.0.5");
      expect(res.status).toBe(200);
      expect((await fx2.store.users.getUser("newcomer"))?.role).toBe("viewer");
    } finally {
      await fx2.close();
    }
  });
});

describe("source rules", () => {
  it("never renders markup from a string: no raw() or dangerouslySetInnerHTML in src/web", () => {
    const dir = new URL("../../src/web/", import.meta.url).pathname;
    const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => /\.(ts|tsx)$/.test(f));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const src = readFileSync(join(dir, f), "utf8");
      expect(src, f).not.toMatch(/dangerouslySetInnerHTML|\braw\(|from "hono\/html".*raw/);
      expect(src, f).not.toMatch(/\sstyle=\{|\son[a-z]+=\{/);
    }
  });
});
