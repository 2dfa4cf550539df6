/**
 * Reaching the organization's accounts (src/cloud/port-access.ts), in the cloud contract on the
 * simulator and on the AWS adapter (configured with AbuseDeskReadOnly and AbuseDeskContainment):
 * Organizations' accounts with their state; entering an account for reads (the caller's own
 * credentials in its own account) and writes (the containment role); a refusal is an answer naming
 * the role, while a failure to tell (throttling) is an error. With abuse-desk's roles modelled
 * (`deskRoles`), a role must exist in the account and trust the caller.
 */
import { describe, expect, it } from "vitest";
import type { CloudPort } from "../../src/cloud/port.ts";
import type { SimState } from "../../src/cloud/sim/state.ts";
import { C, expectCloudError, type ContractSetupOptions } from "./contract.ts";

// The contract estate's caller is prod, 111122223333 (C is not read at import: contract.ts imports this file).
const CALLER_TRUST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "sts:AssumeRole" }] });
const OTHER_TRUST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" }] });

/** abuse-desk's roles modelled: prod has the containment role, staging the read role and a containment role that trusts someone else. */
function withRoles(state: SimState): void {
  state.deskRoles = { roleName: "AbuseDeskReadOnly", containmentRoleName: "AbuseDeskContainment" };
  const role = (accountId: string, roleName: string, trustPolicy: string) => {
    const acc = state.accounts.get(accountId)!;
    acc.roles ??= new Map();
    acc.roles.set(roleName, { roleName, roleId: `AROA${roleName.toUpperCase().slice(0, 12)}`, arn: `arn:aws:iam::${accountId}:role/${roleName}`, path: "/", createDate: "2025-01-01T00:00:00Z", trustPolicy, attachedPolicies: [], inline: new Map() });
  };
  role(C.prod, "AbuseDeskContainment", CALLER_TRUST);
  role(C.staging, "AbuseDeskReadOnly", CALLER_TRUST);
  role(C.staging, "AbuseDeskContainment", OTHER_TRUST);
}

export function accessContract(port: (opts?: ContractSetupOptions) => Promise<CloudPort>): void {
  describe("reaching the organization's accounts", () => {
    it("lists every account of the organization with its state", async () => {
      const p = await port();
      const accounts = await p.organizationAccounts();
      expect(accounts?.map((a) => [a.accountId, a.state]).sort()).toEqual([
        [C.prod, "ACTIVE"],
        [C.staging, "ACTIVE"],
        [C.locked, "ACTIVE"],
      ].sort());
      expect(accounts?.find((a) => a.accountId === C.staging)?.name).toBe("contract-staging");
    });

    it("enters the caller's own account with its own credentials for reads, and through the containment role for writes", async () => {
      const p = await port();
      expect(await p.enterAccount(C.prod, "read")).toEqual({ accountId: C.prod, side: "read", via: "caller", entered: true });
      expect(await p.enterAccount(C.prod, "write")).toEqual({ accountId: C.prod, side: "write", via: "role", roleArn: `arn:aws:iam::${C.prod}:role/AbuseDeskContainment`, roleName: "AbuseDeskContainment", entered: true });
      expect(await p.enterAccount(C.staging, "read")).toMatchObject({ via: "role", roleName: "AbuseDeskReadOnly", entered: true });
    });

    it("an account that refuses the role is an answer (entered: false, the refusal said), not an error", async () => {
      const p = await port();
      const e = await p.enterAccount(C.locked, "read");
      expect(e).toMatchObject({ accountId: C.locked, side: "read", via: "role", roleArn: `arn:aws:iam::${C.locked}:role/AbuseDeskReadOnly`, roleName: "AbuseDeskReadOnly", entered: false });
      expect(e.refusal).toMatch(/AssumeRole/);
      const denied = await port({ faults: [{ call: "sts:AssumeRole", accessDenied: true }] });
      expect(await denied.enterAccount(C.staging, "write")).toMatchObject({ roleName: "AbuseDeskContainment", entered: false });
    });

    it("an AssumeRole that cannot be answered (throttled throughout) is an error: whether the role works is not known", async () => {
      const p = await port({ faults: [{ call: "sts:AssumeRole", throttle: "always" }] });
      await expectCloudError(p.enterAccount(C.staging, "write"), "throttled");
    });

    it("with abuse-desk's roles modelled: a role missing, or not trusting the caller, is refused; GetRole tells which", async () => {
      const p = await port({ mutate: withRoles });
      expect(await p.enterAccount(C.staging, "read")).toMatchObject({ roleName: "AbuseDeskReadOnly", entered: true });
      expect(await p.enterAccount(C.prod, "write")).toMatchObject({ roleName: "AbuseDeskContainment", entered: true });
      expect(await p.enterAccount(C.staging, "write")).toMatchObject({ roleName: "AbuseDeskContainment", entered: false });
      expect((await p.getIamRole(C.staging, "AbuseDeskContainment"))?.trustPolicy).toBe(OTHER_TRUST);
      expect(await p.getIamRole(C.prod, "AbuseDeskReadOnly")).toBeNull();
      // the caller's own account is read with its own credentials: no read role needed there
      expect(await p.enterAccount(C.prod, "read")).toMatchObject({ via: "caller", entered: true });
    });
  });
}
