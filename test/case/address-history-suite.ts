/**
 * The address history (src/case/address-history.ts) on every database the store supports: each
 * inventory run extends the current holding or starts a new one, and "who held it then" is
 * answered as held, between two holders, or unknown, never guessed.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CaseStore } from "../../src/case/index.ts";

export function addressHistorySuite(name: string, make: () => Promise<{ store: CaseStore; close(): Promise<void> }>): void {
  describe(`address history on ${name}`, () => {
    let h: { store: CaseStore; close(): Promise<void> };
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => h.close());
    const obs = (resourceId: string, ip = "52.0.0.7") => ({ publicIp: ip, accountId: "111122223333", region: "eu-west-1", resourceKind: "instance", resourceId, resourceName: "web" });

    it("extends a holding while the same resource holds the address, starts another when it moves", async () => {
      const s = h.store;
      expect(await s.recordAddresses([obs("i-0aaaaaaaaaaaaaaa1"), obs("i-0bbbbbbbbbbbbbbb2", "52.0.0.8")], "2026-01-01T00:00:00Z")).toEqual({ extended: 0, started: 2 });
      expect(await s.recordAddresses([obs("i-0aaaaaaaaaaaaaaa1")], "2026-01-02T00:00:00Z")).toEqual({ extended: 1, started: 0 });
      expect(await s.recordAddresses([obs("i-0ccccccccccccccc3")], "2026-01-05T00:00:00Z")).toEqual({ extended: 0, started: 1 });
      const rows = await s.addressHoldings("52.0.0.7");
      expect(rows.map((r) => [r.resourceId, r.firstSeen, r.lastSeen])).toEqual([
        ["i-0aaaaaaaaaaaaaaa1", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"],
        ["i-0ccccccccccccccc3", "2026-01-05T00:00:00Z", "2026-01-05T00:00:00Z"],
      ]);
      expect(await s.addressAt("52.0.0.7", "2026-01-01T12:00:00Z")).toEqual({ status: "held", holding: rows[0] });
      expect(await s.addressAt("52.0.0.7", "2026-01-03T12:00:00Z")).toEqual({ status: "between", before: rows[0], after: rows[1] });
      expect(await s.addressAt("52.0.0.9", "2026-01-03T12:00:00Z")).toEqual({ status: "unknown" });
    });
  });
}
