/**
 * STS GetAccessKeyInfo for temporary keys (ASIA...), run on the simulator and on the AWS adapter
 * through cloudContract (./contract.ts): the account of the principal the credentials were issued
 * to, as AWS answers it, not the account whose CloudTrail happened to log the issue.
 */
import { describe, expect, it } from "vitest";
import type { CloudPort } from "../../src/cloud/port.ts";
import { C } from "./contract.ts";

export function stsContract(port: () => Promise<CloudPort>): void {
  describe("STS GetAccessKeyInfo of temporary keys (ASIA)", () => {
    it("a key an AssumeRole issued belongs to the role's account, even when another account's trail logged the AssumeRole", async () => {
      const p = await port();
      // staging's other-user assumed prod's contract-deploy (fixtures/estates/contract.yaml)
      expect(await p.accessKeyAccount("ASIA2CONTRACTCROSS01")).toBe(C.prod);
    });

    it("a key with no issuing event belongs to the account of the identity CloudTrail saw using it", async () => {
      const p = await port();
      // a session of staging's staging-ci role made a call with it (its AssumeRole is older than the trail)
      expect(await p.accessKeyAccount("ASIA2CONTRACTUSED001")).toBe(C.staging);
    });

    it("long-term keys are answered as before, and a malformed id is null", async () => {
      const p = await port();
      expect(await p.accessKeyAccount(C.stagingKey)).toBe(C.staging);
      expect(await p.accessKeyAccount("ASIA-not-a-key")).toBeNull();
    });
  });
}
