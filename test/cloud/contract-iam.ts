/**
 * The credential methods' contract (src/cloud/port-iam.ts), run on the simulator and on the AWS
 * adapter through cloudContract (./contract.ts): the same answers from both, over the contract
 * estate's users, role, spot requests and SES account.
 */
import { describe, expect, it } from "vitest";
import type { CloudPort } from "../../src/cloud/port.ts";
import { C, expectCloudError } from "./contract.ts";

const DENY = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "*", Resource: "*", Condition: { DateLessThan: { "aws:TokenIssueTime": "2025-06-01T12:00:00Z" } } }] });

export function credentialContract(port: () => Promise<CloudPort>): void {
  describe("credentials (port-iam)", () => {
    it("tells which account owns an access key, whichever account asks", async () => {
      const p = await port();
      expect(await p.accessKeyAccount(C.key)).toBe(C.prod);
      expect(await p.accessKeyAccount(C.stagingKey)).toBe(C.staging);
      expect(await p.accessKeyAccount("not-a-key")).toBeNull();
    });

    it("describes every user with keys, last use, console password and policies", async () => {
      const p = await port();
      const users = await p.describeIamUsers(C.prod);
      expect(users.map((u) => u.userName)).toEqual(["ci-contract", "nobody-contract"]);
      const ci = users[0]!;
      expect(ci.arn).toBe(`arn:aws:iam::${C.prod}:user/ci-contract`);
      expect(ci.accessKeys.map((k) => [k.accessKeyId, k.status])).toEqual([
        [C.key, "Active"],
        [C.inactiveKey, "Inactive"],
      ]);
      expect(ci.accessKeys[0]!.lastUsed).toEqual({ date: "2025-05-30T22:10:00Z", service: "ec2", region: "eu-west-1" });
      expect(ci.loginProfile).toEqual({ createDate: "2025-05-30T22:05:00Z", passwordResetRequired: false });
      expect(ci.attachedPolicies).toEqual([{ arn: "arn:aws:iam::aws:policy/AmazonEC2FullAccess", name: "AmazonEC2FullAccess" }]);
      expect(ci.inlinePolicies).toEqual(["ci-extra", "ci-logs"]);
      expect(users[1]!.loginProfile).toBeNull();
      expect(users[1]!.accessKeys).toEqual([]);
    });

    it("describes only the named users, leaving out names that exist nowhere", async () => {
      const p = await port();
      expect((await p.describeIamUsers(C.prod, ["nobody-contract", "ghost-user"])).map((u) => u.userName)).toEqual(["nobody-contract"]);
      expect(await p.describeIamUsers(C.prod, [])).toEqual([]);
    });

    it("reads a role's trust policy as JSON text, and null for a role that does not exist", async () => {
      const p = await port();
      const r = await p.getIamRole(C.prod, "contract-deploy");
      expect(r?.arn).toBe(`arn:aws:iam::${C.prod}:role/contract-deploy`);
      expect(JSON.parse(r!.trustPolicy)).toEqual({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] });
      expect(r?.inlinePolicies).toEqual(["deploy-extra"]);
      expect(r?.attachedPolicies.map((a) => a.name)).toEqual(["ReadOnlyAccess"]);
      expect(await p.getIamRole(C.prod, "no-such-role")).toBeNull();
    });

    it("reads inline policies of users and roles; null when absent", async () => {
      const p = await port();
      expect(JSON.parse((await p.getInlinePolicy(C.prod, { userName: C.user }, "ci-logs"))!).Statement[0].Action).toBe("logs:PutLogEvents");
      expect(JSON.parse((await p.getInlinePolicy(C.prod, { roleName: "contract-deploy" }, "deploy-extra"))!).Statement[0].Action).toBe("s3:PutObject");
      expect(await p.getInlinePolicy(C.prod, { userName: C.user }, "absent")).toBeNull();
      expect(await p.getInlinePolicy(C.prod, { userName: "ghost-user" }, "ci-logs")).toBeNull();
    });

    it("puts and deletes an inline policy on a user and on a role", async () => {
      const p = await port();
      await p.putInlinePolicy(C.prod, { userName: C.user }, "AWSRevokeOlderSessions", DENY);
      await p.putInlinePolicy(C.prod, { roleName: "contract-deploy" }, "AWSRevokeOlderSessions", DENY);
      expect(JSON.parse((await p.getInlinePolicy(C.prod, { userName: C.user }, "AWSRevokeOlderSessions"))!)).toEqual(JSON.parse(DENY));
      expect((await p.getIamRole(C.prod, "contract-deploy"))!.inlinePolicies).toEqual(["AWSRevokeOlderSessions", "deploy-extra"]);
      await p.deleteInlinePolicy(C.prod, { userName: C.user }, "AWSRevokeOlderSessions");
      await p.deleteInlinePolicy(C.prod, { roleName: "contract-deploy" }, "AWSRevokeOlderSessions");
      expect(await p.getInlinePolicy(C.prod, { userName: C.user }, "AWSRevokeOlderSessions")).toBeNull();
      await expectCloudError(p.deleteInlinePolicy(C.prod, { userName: C.user }, "AWSRevokeOlderSessions"), "not-found");
      await expectCloudError(p.putInlinePolicy(C.prod, { userName: C.user }, "broken", "{not json"), "invalid", { code: "MalformedPolicyDocument" });
      await expectCloudError(p.putInlinePolicy(C.prod, { roleName: "no-such-role" }, "x", DENY), "not-found");
    });

    it("lists the managed policies of a user, a role and a group; null for a principal that does not exist", async () => {
      const p = await port();
      expect(await p.listAttachedPolicies(C.prod, { userName: C.user })).toEqual([{ arn: "arn:aws:iam::aws:policy/AmazonEC2FullAccess", name: "AmazonEC2FullAccess" }]);
      expect(await p.listAttachedPolicies(C.prod, { roleName: "contract-deploy" })).toEqual([{ arn: "arn:aws:iam::aws:policy/ReadOnlyAccess", name: "ReadOnlyAccess" }]);
      expect(await p.listAttachedPolicies(C.prod, { groupName: "deployers" })).toEqual([{ arn: "arn:aws:iam::aws:policy/AWSCodeDeployFullAccess", name: "AWSCodeDeployFullAccess" }]);
      expect(await p.listAttachedPolicies(C.prod, { userName: "ghost-user" })).toBeNull();
      expect(await p.listAttachedPolicies(C.prod, { roleName: "no-such-role" })).toBeNull();
      expect(await p.listAttachedPolicies(C.prod, { groupName: "no-such-group" })).toBeNull();
    });

    it("detaches a managed policy and attaches it back, on users, roles and groups", async () => {
      const p = await port();
      const admin = "arn:aws:iam::aws:policy/AdministratorAccess";
      for (const owner of [{ userName: C.user }, { roleName: "contract-deploy" }, { groupName: "deployers" }]) {
        const before = (await p.listAttachedPolicies(C.prod, owner))!;
        await p.attachManagedPolicy(C.prod, owner, admin);
        // Attaching what is already attached changes nothing (AWS answers success).
        await p.attachManagedPolicy(C.prod, owner, admin);
        expect((await p.listAttachedPolicies(C.prod, owner))!.map((a) => a.arn).sort()).toEqual([...before.map((a) => a.arn), admin].sort());
        await p.detachManagedPolicy(C.prod, owner, admin);
        expect(await p.listAttachedPolicies(C.prod, owner)).toEqual(before);
        await expectCloudError(p.detachManagedPolicy(C.prod, owner, admin), "not-found", { code: "NoSuchEntity" });
      }
      await expectCloudError(p.detachManagedPolicy(C.prod, { roleName: "no-such-role" }, admin), "not-found");
      await expectCloudError(p.attachManagedPolicy(C.prod, { groupName: "no-such-group" }, admin), "not-found");
    });

    it("reads, deletes and puts back a group's inline policy, its document exactly as it was (IAM's URL-encoding removed)", async () => {
      const p = await port();
      const doc = (await p.getInlinePolicy(C.prod, { groupName: "deployers" }, "deployers-extra"))!;
      expect(doc).toBe('{"Version":"2012-10-17","Statement":[{"Sid":"a b+c%20d&é","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::my bucket/*"}]}');
      await p.deleteInlinePolicy(C.prod, { groupName: "deployers" }, "deployers-extra");
      expect(await p.getInlinePolicy(C.prod, { groupName: "deployers" }, "deployers-extra")).toBeNull();
      await expectCloudError(p.deleteInlinePolicy(C.prod, { groupName: "deployers" }, "deployers-extra"), "not-found");
      await p.putInlinePolicy(C.prod, { groupName: "deployers" }, "deployers-extra", doc);
      expect(await p.getInlinePolicy(C.prod, { groupName: "deployers" }, "deployers-extra")).toBe(doc);
      expect(await p.getInlinePolicy(C.prod, { groupName: "no-such-group" }, "deployers-extra")).toBeNull();
      await expectCloudError(p.putInlinePolicy(C.prod, { groupName: "no-such-group" }, "x", DENY), "not-found");
    });

    it("replaces a role's trust policy", async () => {
      const p = await port();
      const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" }] });
      await p.updateAssumeRolePolicy(C.prod, "contract-deploy", trust);
      expect(JSON.parse((await p.getIamRole(C.prod, "contract-deploy"))!.trustPolicy)).toEqual(JSON.parse(trust));
      await expectCloudError(p.updateAssumeRolePolicy(C.prod, "no-such-role", trust), "not-found");
    });

    it("deletes a console password; a second delete is not-found", async () => {
      const p = await port();
      await p.deleteLoginProfile(C.prod, C.user);
      expect((await p.describeIamUsers(C.prod, [C.user]))[0]!.loginProfile).toBeNull();
      await expectCloudError(p.deleteLoginProfile(C.prod, C.user), "not-found");
    });

    it("lists and cancels spot requests; a cancelled request stays cancelled", async () => {
      const p = await port();
      const all = await p.describeSpotInstanceRequests(C.use1);
      expect(all.map((s) => [s.spotInstanceRequestId, s.state, s.instanceType ?? null])).toEqual([
        ["sir-c0000001", "active", "g4dn.xlarge"],
        ["sir-c0000002", "open", "p3.2xlarge"],
        ["sir-c0000003", "cancelled", null],
      ]);
      expect(all[0]!.instanceId).toBe(C.useast1Instance);
      await p.cancelSpotInstanceRequests(C.use1, ["sir-c0000001", "sir-c0000002"]);
      expect((await p.describeSpotInstanceRequests(C.use1, ["sir-c0000001", "sir-c0000002"])).map((s) => s.state)).toEqual(["cancelled", "cancelled"]);
      expect(await p.describeSpotInstanceRequests(C.eu)).toEqual([]);
      await expectCloudError(p.cancelSpotInstanceRequests(C.use1, ["sir-c0000099"]), "not-found");
    });

    it("reads and turns off SES sending in a region", async () => {
      const p = await port();
      expect(await p.getSesAccount(C.use1)).toEqual({ sendingEnabled: true, productionAccessEnabled: true, max24HourSend: 50000 });
      expect(await p.getSesAccount(C.eu)).toEqual({ sendingEnabled: true, productionAccessEnabled: false, max24HourSend: 200 });
      await p.setSesSendingEnabled(C.use1, false);
      expect((await p.getSesAccount(C.use1))!.sendingEnabled).toBe(false);
      await p.setSesSendingEnabled(C.use1, true);
      expect((await p.getSesAccount(C.use1))!.sendingEnabled).toBe(true);
    });
  });
}
