/** `abuse-desk serve --once` through the real CLI, and the `intake:` section's errors. */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configuredSources } from "../../src/intake/registry.ts";
import { serveSettings } from "../../src/serve/config.ts";
import { runCli, tempHome } from "../helpers/cli.ts";
import { POLICY, ROOT, SAMPLE } from "./service-helpers.ts";

const home = tempHome("abuse-desk-serve-cli-");

describe("abuse-desk serve --once", () => {
  it("on the embedded defaults: the inbox/ folder of the data directory, the simulated account", async () => {
    mkdirSync(join(home.dir, "inbox"), { recursive: true });
    copyFileSync(SAMPLE, join(home.dir, "inbox", "notice.eml"));
    writeFileSync(join(home.dir, "config.yaml"), `intake:\n  verify: { offline: true, dnsCache: ${join(ROOT, "fixtures/drill/dns.json")} }\n  dir: { path: inbox, settleMs: 0 }\n`);
    const r = await runCli("serve", "--once", "--json", "--account", "sim", "--policy", POLICY);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ drained: { dir: 1 }, outcomes: { done: 1, rejected: 0, retry: 0, failed: 0 }, failingSources: [], waiting: 0, failed: 0 });
    const list = await runCli("case", "list", "--json");
    expect(list.out).toContain("31415926535");
    const again = await runCli("serve", "--once");
    expect(again.code).toBe(0);
    expect(again.out).toContain("taken in: dir 0");
  });

  it("names the wrong key of intake: and exits 78", async () => {
    writeFileSync(join(home.dir, "config.yaml"), "intake:\n  dir: { path: inbox, bogus: 1 }\n");
    const r = await runCli("serve", "--once");
    expect(r.code).toBe(78);
    expect(r.err).toMatch(/intake\.dir/);
    writeFileSync(join(home.dir, "config.yaml"), "intake:\n  nosuchsource: { path: inbox }\n");
    expect((await runCli("serve", "--once")).code).toBe(78);
  });

  it("refuses two sources of one name, and names several of a kind", () => {
    expect(() => configuredSources({ dir: [{ path: "a" }, { path: "b" }] })).not.toThrow();
    expect(configuredSources({ dir: [{ path: "a" }, { path: "b" }] }).map((s) => s.name)).toEqual(["dir-1", "dir-2"]);
    expect(() => configuredSources({ dir: [{ path: "a", name: "x" }, { path: "b", name: "x" }] })).toThrow(/two sources are named "x"/);
    expect(() => configuredSources({ dir: { path: "a", name: "../etc" } })).toThrow(/must be letters/);
    const s = serveSettings({ path: null, data: {} }, {});
    expect(s.defaultSource).toBe(true);
    expect(s.sources).toMatchObject([{ kind: "dir", name: "dir" }]);
    expect(s.http).toEqual({ host: "127.0.0.1", port: 8025, token: null });
  });
});
