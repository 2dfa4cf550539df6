/**
 * The posture reads' contract (src/cloud/port-posture.ts), run inside the cloud contract on the
 * simulator and on the AWS adapter: the same answers from fixtures/estates/contract.yaml's
 * `posture:` sections, empty answers for what is not configured, AccessDenied naming the action.
 */
import { describe, expect, it } from "vitest";
import type { CloudPort } from "../../src/cloud/port.ts";
import { C, expectCloudError, type ContractSetupOptions } from "./contract.ts";

export function postureContract(port: (opts?: ContractSetupOptions) => Promise<CloudPort>): void {
  describe("posture reads", () => {
    it("reads the security alternate contact, and null where none is set", async () => {
      const p = await port();
      expect(await p.getSecurityContact(C.prod)).toEqual({ type: "SECURITY", name: "Security team", title: "SOC", emailAddress: "security@example.com", phoneNumber: "+1-555-0100" });
      expect(await p.getSecurityContact(C.staging)).toBeNull();
    });
    it("lists the default bus's rules with every target, across pages", async () => {
      const p = await port();
      const rules = await p.listEventRules(C.eu);
      expect(rules.map((r) => [r.name, r.state, r.targets.map((t) => t.arn)])).toEqual([
        ["health-abuse", "ENABLED", ["arn:aws:sns:eu-west-1:111122223333:abuse", "arn:aws:sqs:eu-west-1:111122223333:abuse-desk"]],
        ["nightly", "DISABLED", []],
      ]);
      expect(JSON.parse(rules[0]!.eventPattern!)).toEqual({ source: ["aws.health"], "detail-type": ["AWS Health Abuse Event"] });
      expect(await p.listEventRules(C.use1)).toEqual([]);
    });
    it("lists the trails that log a region, with their status", async () => {
      const p = await port();
      const eu = await p.describeTrails(C.eu);
      expect(eu.map((t) => [t.name, t.homeRegion, t.isMultiRegionTrail, t.isOrganizationTrail, t.logFileValidationEnabled, t.isLogging])).toEqual([
        ["org-trail", "us-east-1", true, true, true, true],
        ["eu-only", "eu-west-1", false, false, false, false],
      ]);
      expect(eu[0]).toMatchObject({ arn: "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail", s3BucketName: "contract-bucket", latestDeliveryTime: "2025-05-31T23:00:00Z" });
      // the single-region trail homed in eu-west-1 does not log us-east-1
      expect((await p.describeTrails(C.use1)).map((t) => t.name)).toEqual(["org-trail"]);
      expect(await p.describeTrails(C.stagingUse1)).toEqual([]);
    });
    it("lists GuardDuty detectors with their status", async () => {
      const p = await port();
      expect((await p.guardDutyDetectors(C.eu)).map((d) => d.status)).toEqual(["ENABLED"]);
      expect((await p.guardDutyDetectors(C.use1)).map((d) => d.status)).toEqual(["DISABLED"]);
      expect(await p.guardDutyDetectors(C.stagingUse1)).toEqual([]);
    });
    it("reads the credential report: root first, then every user, keys and MFA", async () => {
      const p = await port();
      const rows = await p.credentialReport(C.prod);
      expect(rows.map((r) => r.user)).toEqual(["<root_account>", "ci-contract", "nobody-contract"]);
      expect(rows[0]).toMatchObject({ arn: "arn:aws:iam::111122223333:root", mfaActive: true, passwordLastUsed: "2025-01-02T03:04:05Z" });
      expect(rows[0]!.accessKeys.map((k) => k.active)).toEqual([false, false]);
      expect(rows[1]).toMatchObject({ passwordEnabled: true, mfaActive: false, passwordLastUsed: "2025-05-01T00:00:00Z", userCreationTime: "2024-11-01T00:00:00Z" });
      expect(rows[1]!.accessKeys).toEqual([
        { n: 1, active: true, lastRotated: "2025-03-01T09:00:00Z", lastUsedDate: "2025-05-30T22:10:00Z" },
        { n: 2, active: false, lastRotated: "2024-11-01T00:00:00Z" },
      ]);
      expect(rows[2]).toMatchObject({ passwordEnabled: false, mfaActive: false });
      expect(rows[2]!.accessKeys.map((k) => k.active)).toEqual([false, false]);
    });
    it("reads the account summary (root MFA, root keys)", async () => {
      const p = await port();
      expect(await p.accountSummary(C.prod)).toEqual({ accountMfaEnabled: true, accountAccessKeysPresent: false });
      expect(await p.accountSummary(C.staging)).toEqual({ accountMfaEnabled: false, accountAccessKeysPresent: false });
    });
    it("reads the account-level S3 Block Public Access, null where none is set, and names s3:GetAccountPublicAccessBlock when denied", async () => {
      const p = await port();
      expect(await p.accountPublicAccessBlock(C.prod)).toEqual({ blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: true });
      expect(await p.accountPublicAccessBlock(C.staging)).toBeNull();
      const q = await port({ faults: [{ call: "s3:GetAccountPublicAccessBlock", accessDenied: true }] });
      await expectCloudError(q.accountPublicAccessBlock(C.prod), "access-denied", { action: "s3:GetAccountPublicAccessBlock" });
    });
    it("reads a bucket's access logging, null when off", async () => {
      const p = await port();
      expect(await p.getBucketLogging(C.prod, C.bucket)).toEqual({ targetBucket: "contract-open-bucket", targetPrefix: "logs/" });
      expect(await p.getBucketLogging(C.prod, "contract-open-bucket")).toBeNull();
    });
    it("lists where a managed policy is attached, empty where nowhere", async () => {
      const p = await port();
      expect(await p.policyEntities(C.prod, "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3")).toEqual({ users: ["nobody-contract"], groups: [], roles: [] });
      expect(await p.policyEntities(C.staging, "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3")).toEqual({ users: [], groups: [], roles: [] });
    });
    it("lists SSM Inventory applications of a managed instance, empty for an unmanaged one", async () => {
      const p = await port();
      expect(await p.inventoryApplications(C.eu, C.web)).toEqual([{ name: "wazuh-agent", version: "4.7.2" }, { name: "nginx", version: "1.24.0" }, { name: "openssl" }]);
      expect(await p.inventoryApplications(C.eu, C.legacy)).toEqual([]);
    });
    it("reports the instances' IMDS setting", async () => {
      const p = await port();
      const [web] = await p.describeInstances(C.eu, { instanceIds: [C.web] });
      expect(web?.metadataHttpTokens).toBe("required");
    });
    it("names the IAM action when a posture read is denied", async () => {
      const p = await port({ faults: [{ call: "guardduty:ListDetectors", accessDenied: true }] });
      await expectCloudError(p.guardDutyDetectors(C.eu), "access-denied", { action: "guardduty:ListDetectors" });
      const q = await port({ faults: [{ call: "account:GetAlternateContact", accessDenied: true }] });
      await expectCloudError(q.getSecurityContact(C.prod), "access-denied", { action: "account:GetAlternateContact" });
    });
  });
}
