/**
 * The contract of the evidence writer (src/cloud/port-evidence.ts), run on the simulator and on the
 * AWS adapter (aws-sdk-client-mock answering from a SimAccount) from test/cloud/contract.ts.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CloudPort } from "../../src/cloud/port.ts";

export function evidenceContract(port: () => Promise<CloudPort>, C: { prod: string; bucket: string }, expectCloudError: (p: Promise<unknown>, kind: "invalid" | "not-found") => Promise<unknown>): void {
  describe("write side: evidence objects with Object Lock", () => {
    const body = new TextEncoder().encode("a bundle\n");
    const sha256 = createHash("sha256").update(body).digest("hex");
    it("puts an object with its retention and says which version it wrote", async () => {
      const p = await port();
      const out = await p.putObject(C.prod, { bucket: C.bucket, key: "evidence/AD-2026-0001/bundle.tar.gz", body, sha256, contentType: "application/gzip", retention: { mode: "COMPLIANCE", retainUntil: "2099-01-01T00:00:00.000Z" } });
      expect(out).toMatchObject({ bucket: C.bucket, key: "evidence/AD-2026-0001/bundle.tar.gz", retention: { mode: "COMPLIANCE", retainUntil: "2099-01-01T00:00:00.000Z" } });
      expect(out.versionId).toBeTruthy();
      const again = await p.putObject(C.prod, { bucket: C.bucket, key: "evidence/AD-2026-0001/bundle.tar.gz", body, sha256 });
      expect(again.versionId).not.toBe(out.versionId);
      expect(again.retention).toBeNull();
    });
    it("refuses bytes that do not match the SHA-256 given, a bucket that is not the account's, and a retention in the past", async () => {
      const p = await port();
      await expectCloudError(p.putObject(C.prod, { bucket: C.bucket, key: "k", body, sha256: "0".repeat(64) }), "invalid");
      await expectCloudError(p.putObject(C.prod, { bucket: "no-such-bucket-here", key: "k", body, sha256 }), "not-found");
      await expectCloudError(p.putObject(C.prod, { bucket: C.bucket, key: "k", body, sha256, retention: { mode: "GOVERNANCE", retainUntil: "2001-01-01T00:00:00.000Z" } }), "invalid");
    });
  });
}
