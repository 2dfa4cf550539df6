/**
 * The trail logging methods' contract (src/cloud/port-trail.ts), run on the simulator and on the
 * AWS adapter through cloudContract (./contract.ts), over fixtures/estates/contract.yaml's trails:
 * `eu-only` (eu-west-1, single-region, stopped) and `org-trail` (us-east-1, multi-region, logging).
 */
import { describe, expect, it } from "vitest";
import type { CloudPort } from "../../src/cloud/port.ts";
import { C, expectCloudError } from "./contract.ts";

const EU_ONLY = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/eu-only";

export function trailContract(port: () => Promise<CloudPort>): void {
  describe("trail logging (port-trail)", () => {
    it("reads whether a trail logs, by name in its region or by ARN from any region; null when there is no such trail", async () => {
      const p = await port();
      expect(await p.getTrailStatus(C.eu, "eu-only")).toEqual({ isLogging: false });
      expect(await p.getTrailStatus(C.use1, EU_ONLY)).toEqual({ isLogging: false });
      expect(await p.getTrailStatus(C.eu, "org-trail")).toEqual({ isLogging: true, latestDeliveryTime: "2025-05-31T23:00:00Z" });
      // A single-region trail is not known by name outside its home region.
      expect(await p.getTrailStatus(C.use1, "eu-only")).toBeNull();
      expect(await p.getTrailStatus(C.eu, "deleted-trail")).toBeNull();
      expect(await p.getTrailStatus(C.eu, "arn:aws:cloudtrail:eu-west-1:111122223333:trail/deleted-trail")).toBeNull();
    });

    it("starts logging in the trail's home region; again is no error; elsewhere and for an unknown trail it is refused", async () => {
      const p = await port();
      await expectCloudError(p.startLogging(C.use1, EU_ONLY), "invalid", { code: "InvalidHomeRegionException" });
      expect((await p.getTrailStatus(C.eu, "eu-only"))?.isLogging).toBe(false);
      await p.startLogging(C.eu, EU_ONLY);
      expect(await p.getTrailStatus(C.eu, EU_ONLY)).toEqual({ isLogging: true });
      await p.startLogging(C.eu, "eu-only");
      expect((await p.getTrailStatus(C.eu, "eu-only"))?.isLogging).toBe(true);
      // The readiness read sees it too.
      expect((await p.describeTrails(C.eu)).find((t) => t.name === "eu-only")?.isLogging).toBe(true);
      await expectCloudError(p.startLogging(C.eu, "deleted-trail"), "not-found");
    });
  });
}
