/**
 * The instance profile method's contract (src/cloud/port-profile.ts), on the simulator and on the
 * AWS adapter through cloudContract (./contract.ts): the profile the contract's web instance holds
 * names its role; a name the account does not hold is null.
 */
import { describe, expect, it } from "vitest";
import type { CloudPort } from "../../src/cloud/port.ts";
import { instanceProfileNameOf } from "../../src/cloud/port-profile.ts";
import { C } from "./contract.ts";

export function instanceProfileContract(port: () => Promise<CloudPort>): void {
  describe("instance profiles (port-profile)", () => {
    it("the profile an instance holds names its role, with the role's ARN", async () => {
      const p = await port();
      expect(await p.getInstanceProfile(C.prod, "web-role")).toEqual({
        instanceProfileName: "web-role",
        arn: `arn:aws:iam::${C.prod}:instance-profile/web-role`,
        path: "/",
        roles: [{ roleName: "contract-deploy", arn: `arn:aws:iam::${C.prod}:role/contract-deploy` }],
      });
    });
    it("a profile the account does not hold is null", async () => {
      const p = await port();
      expect(await p.getInstanceProfile(C.prod, "no-such-profile")).toBeNull();
      expect(await p.getInstanceProfile(C.staging, "web-role")).toBeNull();
    });
    it("reads the profile name out of an instance profile ARN, and nothing else", () => {
      expect(instanceProfileNameOf("arn:aws:iam::111122223333:instance-profile/web-role")).toBe("web-role");
      expect(instanceProfileNameOf("arn:aws:iam::111122223333:instance-profile/team/a/web-role")).toBe("web-role");
      expect(instanceProfileNameOf("arn:aws:iam::111122223333:role/web-role")).toBeNull();
      expect(instanceProfileNameOf("web-role")).toBeNull();
    });
  });
}
