/**
 * Debian's chromium driven by playwright-core, as every browser test starts it: the binary from
 * $ABUSE_DESK_CHROMIUM (default /usr/bin/chromium), headless, no sandbox, nothing reaching out
 * (no QUIC, no background networking, no component updates, no sync), a fresh profile directory.
 * A missing browser FAILS the test with the reason (it is never skipped).
 *
 * `guardPage(page)` installs, before any page script, a listener recording every CSP violation
 * and a trap for dialogs: `hostileState(page)` reads them and `window.__pwned`, which every payload
 * of fixtures/hostile/ sets if it ever runs.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";

export const CHROMIUM = process.env.ABUSE_DESK_CHROMIUM || "/usr/bin/chromium";

export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`browser tests need Debian's chromium at ${CHROMIUM} (ABUSE_DESK_CHROMIUM): apt-get install chromium`);
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "abuse-desk-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface HostileState {
  pwned: unknown;
  violations: { directive: string; blocked: string; sample: string }[];
  dialogs: string[];
}

const dialogs = new WeakMap<Page, string[]>();

export async function guardPage(page: Page): Promise<void> {
  const seen: string[] = [];
  dialogs.set(page, seen);
  page.on("dialog", (d) => {
    seen.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  // Page-side code is given as text: the tests are typed for Node, not the DOM.
  await page.addInitScript({
    content: `window.__violations = [];
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
      });`,
  });
}

export async function hostileState(page: Page): Promise<HostileState> {
  const s = (await page.evaluate("({ pwned: window.__pwned ?? null, violations: window.__violations ?? [] })")) as Omit<HostileState, "dialogs">;
  return { ...s, dialogs: dialogs.get(page) ?? [] };
}
