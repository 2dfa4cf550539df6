/**
 * The hostile-notice corpus (fixtures/hostile/) taken in through the intake page and shown on the
 * desk's pages in Debian's chromium: no payload runs (window.__pwned stays unset, no dialog), the
 * page itself breaks no rule of its CSP (our own scripts and htmx included), and the payloads are
 * there as visible text. Any page that shows notice content belongs in PAGES.
 */
import { readFileSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen, type RunningWeb } from "../../src/web/server.ts";
import { guardPage, hostileState, launchChromium } from "./browser.ts";
import { PASSWORD, webFixture, type WebFixture } from "./helpers.ts";

const DIR = new URL("../../fixtures/hostile/", import.meta.url);
const FILES = readdirSync(DIR).filter((f) => f.endsWith(".eml")).sort();

let w: WebFixture;
let web: RunningWeb;
let browser: Awaited<ReturnType<typeof launchChromium>>;
const caseIds: string[] = [];

beforeAll(async () => {
  w = await webFixture();
  web = await listen(w.deps, { host: "127.0.0.1", port: 0 });
  const r = await w.agent("hostile-intake", "responder");
  for (const f of FILES) {
    const fd = new FormData();
    fd.set("file", new Blob([new Uint8Array(readFileSync(new URL(f, DIR)))]), f);
    const res = await r.request("/intake", { method: "POST", headers: { origin: "http://desk.test", "x-csrf-token": r.csrf }, body: fd });
    const html = await res.text();
    const id = /href="\/cases\/(AD-[^"]+)"/.exec(html)?.[1];
    if (!id) throw new Error(`${f} was not taken in (${res.status}): ${html.slice(0, 500)}`);
    caseIds.push(id);
  }
  // What a person types is outside input too: a hostile assignee.
  await w.store.assign(caseIds[0]!, '<img src=x onerror="window.__pwned=\'assignee\'">');
  await w.store.users.addUser("hostile-viewer", "viewer", PASSWORD);
  // What an estate says is outside input too: a readiness run whose resources and names carry payloads.
  const payload = '<script>window.__pwned="readiness"</script><img src=x onerror="window.__pwned=\'readiness-img\'">\u202Eevil';
  await w.store.recordReadinessRun({
    generatedAt: new Date().toISOString(),
    source: "sim",
    accounts: [{ accountId: "999900001111", name: payload, regions: 1, reachable: true }],
    score: 0,
    counts: { pass: 0, fail: 1, "could-not-run": 1 },
    checks: [
      { id: "ec2_securitygroup_allow_ingress_from_internet_to_proxy_ports", title: "t", severity: "high", category: "exposure", why: "w", remediation: { console: "c", cli: "x" }, status: "fail", examined: 1, failed: [{ accountId: "999900001111", region: "eu-west-1", id: `sg-${payload}`, detail: payload }], notRun: [] },
      { id: "guardduty_is_enabled", title: "g", severity: "high", category: "logging", why: "w", remediation: { console: "c", cli: "x" }, status: "could-not-run", examined: 0, failed: [], notRun: [{ accountId: "999900001111", region: "eu-west-1", reason: payload }] },
    ],
    elapsedMs: 1,
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await w?.close();
});

describe("hostile notices in the browser", () => {
  it("took every notice of the corpus in", () => {
    expect(caseIds).toHaveLength(FILES.length);
    expect(FILES.length).toBeGreaterThanOrEqual(8);
  });

  it("runs no payload and breaks no CSP rule on any page that shows notice content", async () => {
    const page = await browser.context.newPage();
    await guardPage(page);
    await page.goto(`${web.url}/login`);
    await page.getByLabel("User name").fill("hostile-viewer");
    await page.getByLabel("Password").fill(PASSWORD);
    await Promise.all([page.waitForURL(`${web.url}/`), page.getByRole("button", { name: "Sign in" }).click()]);
    const pages = ["/", "/?all=1", "/needs-a-person", "/?q=40000000001", "/?q=i-0a0000000000000a8", "/?verdict=unverified", "/settings", "/readiness"];
    for (const p of pages) {
      await page.goto(`${web.url}${p}`, { waitUntil: "load" });
      // let app.js tick and htmx process the document
      await page.waitForFunction(`document.querySelectorAll("time[data-countdown]").length === 0 || /left|overdue/.test(document.querySelector("time[data-countdown]").textContent)`);
      const s = await hostileState(page);
      expect(s.pwned, p).toBeNull();
      expect(s.dialogs, p).toEqual([]);
      expect(s.violations, p).toEqual([]);
    }
    // The payloads are on the queue as text a person can read.
    await page.goto(`${web.url}/?all=1`);
    const text = await page.locator("main").innerText();
    expect(text).toContain('<script>window.__pwned="subject-script"</script>');
    expect(text).toContain("<U+202E>");
    expect(text).toContain("<img src=x onerror=");
    expect(await page.locator("main script, main img, main svg, main iframe, main style, main [hx-get]").count()).toBe(0);
    // The estate's payloads are on the readiness page as text.
    await page.goto(`${web.url}/readiness`);
    const ready = await page.locator("main").innerText();
    expect(ready).toContain('sg-<script>window.__pwned="readiness"</script>');
    expect(ready).toContain("<U+202E>evil");
    expect(await page.locator("main script, main img, main svg, main iframe, main style").count()).toBe(0);
    await page.close();
  }, 120_000);

  it("shows each hostile notice as received on its case page as text: no payload runs, no element comes from it, bidi overrides are visible", async () => {
    const page = await browser.context.newPage();
    await guardPage(page);
    await page.goto(`${web.url}/login`);
    await page.getByLabel("User name").fill("hostile-viewer");
    await page.getByLabel("Password").fill(PASSWORD);
    await Promise.all([page.waitForURL(`${web.url}/`), page.getByRole("button", { name: "Sign in" }).click()]);
    const seen: string[] = [];
    for (const id of caseIds) {
      await page.goto(`${web.url}/cases/${id}`, { waitUntil: "load" });
      const s = await hostileState(page);
      expect(s.pwned, id).toBeNull();
      expect(s.dialogs, id).toEqual([]);
      expect(s.violations, id).toEqual([]);
      // the whole notice is shown, from the kept bytes, and nothing in it became an element but the marks
      const received = page.locator("pre.received");
      expect(await received.count(), id).toBeGreaterThan(0);
      expect(await page.locator("pre.received *:not(mark):not(mark > span.sr-only)").count(), id).toBe(0);
      expect(await page.locator("main script:not([src^='/static/']), main img, main svg, main iframe, main style, main object, main embed, main a[href^='javascript:'], main a[href^='data:']").count(), id).toBe(0);
      seen.push((await received.allInnerTexts()).join("\n"));
    }
    const all = seen.join("\n");
    expect(all).toContain("<script>");
    expect(all).toContain("<U+202E>");
    expect(all).not.toContain("\u202e");
    // a very long line is wrapped in the box, not widening the page
    const width = await page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    expect(width).toBeLessThanOrEqual(0);
    await page.close();
  }, 180_000);

  it("would catch a payload that ran: the guard sees an inline script blocked by the CSP", async () => {
    // The same listener on a page the desk serves, fed markup on purpose, proves the check can fail.
    const page = await browser.context.newPage();
    await guardPage(page);
    await page.goto(`${web.url}/login`);
    await page.evaluate(`{ const s = document.createElement("script"); s.textContent = "window.__pwned = 'inline'"; document.body.appendChild(s); }`);
    await page.waitForFunction("window.__violations.length > 0");
    const s = await hostileState(page);
    expect(s.pwned).toBeNull();
    expect(s.violations[0]?.directive).toMatch(/script-src/);
    await page.close();
  }, 60_000);
});
