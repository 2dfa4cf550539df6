/**
 * The case page end to end in a real browser: Debian's chromium driven by playwright-core, the
 * desk on a loopback socket (`listen`, as `abuse-desk web` runs it), a SQLite store, the bundled
 * simulated account, a real SMTP listener. An approver signs in, the drill's notice (signed, and
 * verified against the drill's recorded DNS answers) is dropped into the intake page, appears in
 * the queue, the case page shows the facts marked where they were read and the verdict, the
 * approver writes and applies the plan and sees the journal arrive live (the apply is held at the
 * snapshot step until the page has shown the steps before it: no timing involved), rolls one step
 * back, edits and sends the reply, closes the case.
 *
 * Screenshots of each page at 1280x800 and 390x844 go to test-artifacts/web-case/ (a person looks
 * at them); axe-core runs on the main pages (injected with addScriptTag in a context that lets the
 * test's own script in; the flow itself runs under the desk's CSP, and any violation fails it).
 *
 * Needs chromium ($ABUSE_DESK_CHROMIUM, default /usr/bin/chromium): it FAILS when it is missing.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/case/index.ts";
import type { CaseStore } from "../../src/case/types.ts";
import { openCloud } from "../../src/cloud/open.ts";
import type { CloudPort } from "../../src/cloud/port.ts";
import { composeDrillNotice, DRILL_DIR } from "../../src/drill/index.ts";
import { DnsCache } from "../../src/verify/dns.ts";
import { defaultWebConfig } from "../../src/web/config.ts";
import { listen, type RunningWeb } from "../../src/web/server.ts";
import type { WebDeps } from "../../src/web/types.ts";
import { startSmtp, type Listener } from "../reply/smtp-listener.ts";
import { memoryLog, PASSWORD } from "./helpers.ts";

const CHROMIUM = process.env.ABUSE_DESK_CHROMIUM || "/usr/bin/chromium";
const ARTIFACTS = join(process.cwd(), "test-artifacts", "web-case");
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
/** Waits (bounded) until the browser shows it: a bound on waiting, never a measured time. */
const poll = <T,>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000, interval: 100 });

/** Holds the account's CreateSnapshots until released: the apply stops there while the page shows what came before. */
class Gate {
  private open!: () => void;
  readonly opened = new Promise<void>((r) => (this.open = r));
  armed = true;
  reached = false;
  release() {
    this.open();
  }
}

function gated(port: CloudPort, gate: Gate): CloudPort {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== "function") return v;
      if (prop === "createSnapshots")
        return async (...args: unknown[]) => {
          if (gate.armed) {
            gate.reached = true;
            await gate.opened;
          }
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      return (v as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

describe("the case page in chromium", () => {
  let home: string;
  let store: CaseStore;
  let smtp: Listener;
  let web: RunningWeb;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  const gate = new Gate();
  const violations: string[] = [];
  const pageErrors: string[] = [];
  const savedHome = process.env.ABUSE_DESK_HOME;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `chromium is needed at ${CHROMIUM} (scripts/services.sh installs it; $ABUSE_DESK_CHROMIUM names another)`).toBe(true);
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    home = mkdtempSync(join(tmpdir(), "webcase-e2e-"));
    process.env.ABUSE_DESK_HOME = home;
    store = await openStore({ home, url: join(home, "cases.db") });
    await store.users.addUser("ann", "approver", PASSWORD);
    smtp = await startSmtp();
    const deps: WebDeps = {
      store,
      config: defaultWebConfig(),
      document: { path: null, data: { smtp: { host: "127.0.0.1", port: smtp.port }, reply: { from: "Security <security@example.com>" } } },
      clock: () => new Date(),
      accountSpec: "sim",
      openCloud: async () => gated(await openCloud("sim", { home }), gate),
      // The drill's notice is checked against the drill's recorded DNS answers, never live DNS.
      verify: { resolver: DnsCache.parse(readFileSync(join(DRILL_DIR, "dns.json"), "utf8"), { missCode: "ENOTFOUND" }).resolve },
      log: memoryLog(),
    };
    web = await listen(deps, { host: "127.0.0.1", port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    ctx = await browser.newContext({ viewport: VIEWPORTS.desktop });
    // Every CSP violation on any page of the flow is recorded (the init script runs outside the page's CSP).
    await ctx.addInitScript({
      content: 'window.__csp = []; document.addEventListener("securitypolicyviolation", function (e) { window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber + " " + (e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 200) : "")); });',
    });
    page = await ctx.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
  }, 120_000);

  afterAll(async () => {
    gate.release();
    await ctx?.close();
    await browser?.close();
    await web?.close();
    await smtp?.close();
    await store?.destroy();
    if (savedHome === undefined) delete process.env.ABUSE_DESK_HOME;
    else process.env.ABUSE_DESK_HOME = savedHome;
    rmSync(home, { recursive: true, force: true });
  });

  async function shoot(name: string, opts: { full?: boolean; on?: Page } = {}) {
    const p = opts.on ?? page;
    const cspHere = (await p.evaluate("(function () { var v = window.__csp || []; window.__csp = []; return v; })()")) as string[];
    violations.push(...cspHere);
    for (const [vp, size] of Object.entries(VIEWPORTS)) {
      await p.setViewportSize(size);
      await p.screenshot({ path: join(ARTIFACTS, `${name}-${vp}-${size.width}x${size.height}.png`), fullPage: opts.full === true });
    }
    await p.setViewportSize(VIEWPORTS.desktop);
  }

  /** axe-core on the current page, in a context whose CSP lets the injected script run; serious or critical findings fail. */
  async function axe(name: string, path: string) {
    const c = await browser.newContext({ viewport: VIEWPORTS.desktop, bypassCSP: true, storageState: await ctx.storageState() });
    try {
      const p = await c.newPage();
      await p.goto(`${web.url}${path}`);
      await p.addScriptTag({ content: AXE });
      const result = (await p.evaluate('window.axe.run(document, { resultTypes: ["violations"] })')) as { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[] };
      writeFileSync(join(ARTIFACTS, `axe-${name}.json`), JSON.stringify(result.violations, null, 2));
      const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
      expect(bad, `axe on ${name}`).toEqual([]);
    } finally {
      await c.close();
    }
  }

  let caseId = "";

  it("signs in; a notice taken in appears in the queue; its page shows the facts marked where they were read and the verdict", async () => {
    await page.goto(`${web.url}/`);
    await poll(() => page.url()).toContain("/login");
    await page.getByLabel(/name/i).first().fill("ann");
    await page.getByLabel(/password/i).fill(PASSWORD);
    await Promise.all([page.waitForURL(`${web.url}/`), page.getByRole("button", { name: /sign in/i }).click()]);
    // The sign-in page as someone not signed in sees it (its own context: resizing re-requests the page).
    const anon = await browser.newContext({ viewport: VIEWPORTS.desktop });
    await anon.addInitScript({ content: "window.__csp = [];" });
    const anonPage = await anon.newPage();
    await anonPage.goto(`${web.url}/login`);
    await shoot("login", { on: anonPage });
    await anon.close();

    // The notice is dropped into the intake page (the same path as `intake`), as a file.
    await Promise.all([page.waitForURL(/\/intake/), page.getByRole("link", { name: "Intake", exact: true }).click()]);
    await shoot("intake");
    await page.setInputFiles('input[name="file"]', { name: "notice.eml", mimeType: "message/rfc822", buffer: await composeDrillNotice(new Date()) });
    await page.getByRole("button", { name: "Take it in" }).click();
    await page.waitForLoadState();
    const opened = (await store.listCases({}, { limit: 10 })).items;
    expect(opened).toHaveLength(1);
    caseId = opened[0]!.id;
    await shoot("intake-result");
    await page.goto(`${web.url}/`);
    const link = page.getByRole("link", { name: caseId });
    await poll(() => link.count()).toBe(1);
    await shoot("queue");

    await Promise.all([page.waitForURL(`${web.url}/cases/${caseId}`), link.click()]);
    // The whole notice as received: its headers and every line of its text, each fact marked where it was read.
    const received = page.locator("pre.received").first();
    expect(await received.textContent()).toContain("We've received a report(s) that your AWS resource(s)");
    const remote = received.locator('mark[data-fact="remoteIps"]').first();
    expect(await remote.textContent()).toBe("203.0.113.99 (remoteIps)");
    expect(await received.locator('mark[data-fact="instanceIds"]').first().textContent()).toBe("i-0a1b2c3d4e5f67890 (instanceIds)");
    expect(await page.locator("dl.received-headers").first().textContent()).toContain("ec2-abuse@amazon.com");
    // a mark is reached by keyboard, and names its fact
    await remote.focus();
    expect(await page.evaluate("document.activeElement && document.activeElement.getAttribute('data-fact')")).toBe("remoteIps");
    await received.scrollIntoViewIfNeeded();
    await shoot("case-notice-as-received");
    expect(await page.locator("#verdict .badge").textContent()).toBe("authentic");
    expect(await page.locator("#verdict").textContent()).toContain("DKIM signature by amazon.com");
    await shoot("case-new", { full: true });
    // the case's gaps and the readiness page, from a kept readiness run of the same estate
    const { runReadiness } = await import("../../src/readiness/run.ts");
    const sim = await openCloud("sim", { home });
    await store.recordReadinessRun(await runReadiness(sim, { intakeSources: [{ name: "sqs", kind: "sqs" }] }));
    sim.close?.();
    await axe("case", `/cases/${caseId}`);
    await axe("queue", "/");
    await axe("readiness", "/readiness");
    // The case page again, loaded after the run was kept: the browser is still on /cases/ID, and a
    // goto to `/cases/ID#gaps` would be a same-document (fragment) navigation that never reaches
    // the desk, leaving the page rendered before the run ("no readiness run kept"). A real load
    // answers with a response (goto answers null for a fragment navigation).
    const loaded = await page.goto(`${web.url}/cases/${caseId}`);
    expect(loaded?.status(), "the case page is loaded again from the desk").toBe(200);
    const gaps = page.locator("#gaps");
    await gaps.scrollIntoViewIfNeeded();
    expect(await gaps.innerText()).toMatch(/From the latest readiness run of 111122223333 \(run 1,/);
    // the drill's instance (prod, eu-west-1) is behind the sample's SG open on SSH: that gap, on its own resource, and no other
    expect(await gaps.locator("li > code:first-of-type").allTextContents()).toEqual(["ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22_3389"]);
    expect(await gaps.locator("li").first().innerText()).toMatch(/its resources: sg-0a1b2c3d4e5f6a7b8 payments-web-public lets the internet reach TCP 22/);
    await shoot("case-gaps");
    // the account's link leads to its readiness (the page's content: test/web/readiness.test.ts)
    await Promise.all([page.waitForURL(/\/readiness\?account=111122223333/), gaps.locator("a", { hasText: "111122223333" }).first().click()]);
    expect(await page.locator("#account-111122223333 h3", { hasText: "Failing checks" }).count()).toBe(1);
    // back to the case, where the next test writes its plan
    await page.goto(`${web.url}/cases/${caseId}`);
  }, 180_000);

  it("writes the plan, applies it and sees the journal arrive live; rolls one step back", async () => {
    await Promise.all([page.waitForURL(/done=planned/), page.getByRole("button", { name: "Write a plan" }).click()]);
    const steps = page.locator("#plan details[open] table.steps tbody tr");
    expect(await steps.count()).toBe(12);
    await poll(() => page.locator("#journal").getAttribute("data-live")).toBe("open");

    // Approve, then apply: two actions; the approval names ann on the page (and in the audit chain).
    expect(await page.locator('#plan details[open] [data-approved="no"]').count()).toBe(1);
    await page.getByRole("button", { name: "Approve the plan" }).click();
    await poll(() => page.locator('#plan details[open] [data-approved="yes"]').count()).toBe(1);
    expect(await page.locator("#plan details[open] .approval").textContent()).toContain("Approved by ann");
    await shoot("case-approved");
    await page.getByRole("button", { name: "Apply all steps" }).click();
    // The apply is held at the snapshot step: what the page shows now came over the live feed.
    await poll(() => gate.reached).toBe(true);
    await poll(() => page.locator("#journal-rows tr.live td.phase.done").count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator("#journal-rows tr.live").filter({ hasText: "capture-metadata" }).count()).toBeGreaterThan(0);
    // the apply has not answered yet: what the page shows came over the live feed
    expect(await page.locator("#action-result").textContent()).not.toContain("Applied");
    await shoot("case-applying");
    gate.armed = false;
    gate.release();
    await poll(() => page.locator("#action-result").textContent()).toContain("Applied: 12 done");
    expect(await page.locator("#case-status").textContent()).toBe("contained");
    const liveDone = await page.locator("#journal-rows tr.live td.phase.done").count();
    expect(liveDone).toBeGreaterThanOrEqual(12);
    expect(await page.locator("#evidence tbody tr").count()).toBeGreaterThan(0);
    await shoot("case-applied", { full: true });

    // Roll back one step: the second interface's isolation.
    const leaf = page.locator('#plan details[open] tr[data-step^="11-isolate-eni"]');
    await leaf.locator('input[type="checkbox"]').check();
    await page.getByRole("button", { name: "Roll back chosen steps" }).click();
    await poll(() => page.locator("#action-result").textContent()).toContain("Rolled back: 1 rolled back");
    expect(await page.locator('#plan details[open] tr[data-step^="11-isolate-eni"] .state').textContent()).toBe("rolled back");
    expect(await page.locator('#plan details[open] tr[data-step^="10-isolate-eni"] .state').textContent()).toBe("done");
    await poll(() => page.locator("#journal-rows tr.live td.phase.rolled-back").count()).toBe(1);
    await shoot("case-rolled-back");
  }, 180_000);

  it("edits and sends the reply to the SMTP listener, then closes the case", async () => {
    await page.reload();
    const text = page.getByLabel("Reply text");
    const draft = await text.inputValue();
    expect(draft).toContain("111122223333");
    await text.fill(`${draft}\nEdited in the browser by Ann.\n`);
    await page.getByRole("button", { name: "Send the reply" }).click();
    await poll(() => page.locator("#reply-result").textContent()).toContain("Sent by smtp to ec2-abuse@amazon.com");
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.raw.toString()).toContain("Edited in the browser by Ann.");
    await shoot("case-replied");

    await page.selectOption("#status", "closed");
    await page.getByLabel("Reason").last().fill("answered AWS; host isolated");
    await Promise.all([page.waitForURL(/done=status/), page.getByRole("button", { name: "Change status" }).click()]);
    expect(await page.locator("#case-status").textContent()).toBe("closed");
    // Closing changes nothing in the account, and the page says what still holds.
    expect(await page.locator(".case-head .warn").textContent()).toContain("containment is still in place");
    await shoot("case-closed", { full: true });
    expect((await store.requireCase(caseId)).status).toBe("closed");

    // Keyboard: the first Tab reaches the skip link, which leads to the content.
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement && document.activeElement.textContent.trim()")).toBe("Skip to content");

    expect(violations.slice(0, 5)).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
