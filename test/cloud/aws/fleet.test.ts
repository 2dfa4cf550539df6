/**
 * The fleet and Lightsail calls of the AWS adapter (src/cloud/aws/fleet.ts) under aws-sdk-client-mock:
 * the exact requests sent (TerminateInstances=false on every cancel and delete: abuse-desk never
 * terminates), pagination of each list, and a per-fleet failure inside a 200 answer turned into an
 * error rather than a silent success.
 */
import {
  CancelSpotFleetRequestsCommand,
  DeleteFleetsCommand,
  DescribeFleetInstancesCommand,
  DescribeFleetsCommand,
  DescribeSpotFleetInstancesCommand,
  DescribeSpotFleetRequestsCommand,
} from "@aws-sdk/client-ec2";
import { CreateInstanceSnapshotCommand, GetInstanceSnapshotCommand, GetInstancesCommand, StartInstanceCommand, StopInstanceCommand } from "@aws-sdk/client-lightsail";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { CloudError } from "../../../src/cloud/errors.ts";
import { awsError, CALLER, mockAws, sent, testPort } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());
const USE1 = { accountId: CALLER, region: "us-east-1" };
const SFR = "sfr-11111111-2222-4333-8444-555555555555";
const FLEET = "fleet-11111111-2222-4333-8444-555555555555";

describe("spot fleets and EC2 fleets", () => {
  it("cancels spot fleet requests with TerminateInstances=false, exactly", async () => {
    aws.ec2.on(CancelSpotFleetRequestsCommand).resolves({ SuccessfulFleetRequests: [{ SpotFleetRequestId: SFR, CurrentSpotFleetRequestState: "cancelled_running", PreviousSpotFleetRequestState: "active" }] });
    await testPort().cancelSpotFleetRequests(USE1, [SFR]);
    expect(sent(aws.ec2, CancelSpotFleetRequestsCommand)).toEqual([{ SpotFleetRequestIds: [SFR], TerminateInstances: false }]);
  });

  it("deletes EC2 fleets with TerminateInstances=false, exactly", async () => {
    aws.ec2.on(DeleteFleetsCommand).resolves({ SuccessfulFleetDeletions: [{ FleetId: FLEET, CurrentFleetState: "deleted_running", PreviousFleetState: "active" }] });
    await testPort().deleteFleets(USE1, [FLEET]);
    expect(sent(aws.ec2, DeleteFleetsCommand)).toEqual([{ FleetIds: [FLEET], TerminateInstances: false }]);
  });

  it("a failure listed in a 200 answer is an error naming the fleet and AWS's code", async () => {
    aws.ec2.on(CancelSpotFleetRequestsCommand).resolves({ UnsuccessfulFleetRequests: [{ SpotFleetRequestId: SFR, Error: { Code: "fleetRequestNotInCancellableState", Message: "not cancellable" } }] });
    const e = (await testPort().cancelSpotFleetRequests(USE1, [SFR]).catch((x: unknown) => x)) as CloudError;
    expect(e).toBeInstanceOf(CloudError);
    expect([e.kind, e.code, e.action]).toEqual(["invalid", "fleetRequestNotInCancellableState", "ec2:CancelSpotFleetRequests"]);
    expect(e.message).toContain(SFR);
    aws.ec2.on(DeleteFleetsCommand).resolves({ UnsuccessfulFleetDeletions: [{ FleetId: FLEET, Error: { Code: "fleetIdDoesNotExist", Message: "no such fleet" } }] });
    const d = (await testPort().deleteFleets(USE1, [FLEET]).catch((x: unknown) => x)) as CloudError;
    expect([d.kind, d.code]).toEqual(["not-found", "fleetIdDoesNotExist"]);
  });

  it("sends nothing for an empty list", async () => {
    const p = testPort();
    await p.cancelSpotFleetRequests(USE1, []);
    await p.deleteFleets(USE1, []);
    expect(await p.describeSpotFleetRequests(USE1, [])).toEqual([]);
    expect(await p.describeFleets(USE1, [])).toEqual([]);
    expect(aws.ec2.calls()).toHaveLength(0);
  });

  it("reads a spot fleet's instances page by page, and its types from specifications and template overrides", async () => {
    aws.ec2.on(DescribeSpotFleetRequestsCommand).resolves({
      SpotFleetRequestConfigs: [
        {
          SpotFleetRequestId: SFR,
          SpotFleetRequestState: "active",
          CreateTime: new Date("2025-06-01T08:30:00Z"),
          SpotFleetRequestConfig: { IamFleetRole: "arn:aws:iam::111122223333:role/fleet", TargetCapacity: 4, Type: "maintain", LaunchTemplateConfigs: [{ Overrides: [{ InstanceType: "p3.8xlarge" }, { InstanceType: "g5.12xlarge" }] }] },
          Tags: [{ Key: "Name", Value: "x" }],
        },
      ],
    });
    aws.ec2
      .on(DescribeSpotFleetInstancesCommand, { SpotFleetRequestId: SFR })
      .resolvesOnce({ ActiveInstances: [{ InstanceId: "i-0b", InstanceType: "p3.8xlarge" }], NextToken: "t2" })
      .resolvesOnce({ ActiveInstances: [{ InstanceId: "i-0a", InstanceType: "g5.12xlarge" }] });
    const [f] = await testPort().describeSpotFleetRequests(USE1, [SFR]);
    expect(f).toEqual({ spotFleetRequestId: SFR, state: "active", createTime: "2025-06-01T08:30:00Z", type: "maintain", targetCapacity: 4, instanceTypes: ["g5.12xlarge", "p3.8xlarge"], instanceIds: ["i-0a", "i-0b"], tags: { Name: "x" } });
    expect(sent(aws.ec2, DescribeSpotFleetRequestsCommand)).toEqual([{ SpotFleetRequestIds: [SFR] }]);
    expect(sent(aws.ec2, DescribeSpotFleetInstancesCommand)).toEqual([{ SpotFleetRequestId: SFR }, { SpotFleetRequestId: SFR, NextToken: "t2" }]);
  });

  it("reads a maintain fleet's instances with DescribeFleetInstances, an instant fleet's from DescribeFleets", async () => {
    const INSTANT = "fleet-99999999-2222-4333-8444-555555555555";
    aws.ec2.on(DescribeFleetsCommand).resolves({
      Fleets: [
        { FleetId: FLEET, FleetState: "active", Type: "maintain", CreateTime: new Date("2025-06-01T08:31:00Z"), TargetCapacitySpecification: { TotalTargetCapacity: 2, DefaultTargetCapacityType: "spot" }, LaunchTemplateConfigs: [{ Overrides: [{ InstanceType: "g4dn.12xlarge" }] }] },
        { FleetId: INSTANT, FleetState: "active", Type: "instant", CreateTime: new Date("2025-06-01T08:32:00Z"), TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: "spot" }, Instances: [{ InstanceIds: ["i-0c"], InstanceType: "p4d.24xlarge" }] },
      ],
    });
    aws.ec2.on(DescribeFleetInstancesCommand).resolves({ FleetId: FLEET, ActiveInstances: [{ InstanceId: "i-0d", InstanceType: "g4dn.12xlarge" }] });
    const all = await testPort().describeFleets(USE1);
    expect(all.map((f) => [f.fleetId, f.type, f.targetCapacity, f.instanceTypes, f.instanceIds])).toEqual([
      [FLEET, "maintain", 2, ["g4dn.12xlarge"], ["i-0d"]],
      [INSTANT, "instant", 1, ["p4d.24xlarge"], ["i-0c"]],
    ]);
    expect(sent(aws.ec2, DescribeFleetsCommand)).toEqual([{}]);
    expect(sent(aws.ec2, DescribeFleetInstancesCommand)).toEqual([{ FleetId: FLEET }]);
  });
});

describe("Lightsail", () => {
  it("reads every page of instances with pageToken; in a region without Lightsail sends nothing and answers null", async () => {
    aws.lightsail
      .on(GetInstancesCommand)
      .resolvesOnce({ instances: [{ name: "b", arn: "arn:aws:lightsail:us-east-1:111122223333:Instance/b", createdAt: new Date("2025-06-01T08:40:00Z"), state: { code: 16, name: "running" }, bundleId: "xlarge_3_0", blueprintId: "ubuntu_22_04", tags: [{ key: "k", value: "v" }] }], nextPageToken: "p2" })
      .resolvesOnce({ instances: [{ name: "a", arn: "arn:a", createdAt: new Date("2025-06-01T08:41:00Z"), state: { code: 80, name: "stopped" }, bundleId: "nano_3_0", blueprintId: "debian_12" }] });
    const p = testPort();
    const all = await p.getLightsailInstances(USE1);
    expect(all).toEqual([
      { name: "a", arn: "arn:a", createdAt: "2025-06-01T08:41:00Z", state: "stopped", bundleId: "nano_3_0", blueprintId: "debian_12", tags: {} },
      { name: "b", arn: "arn:aws:lightsail:us-east-1:111122223333:Instance/b", createdAt: "2025-06-01T08:40:00Z", state: "running", bundleId: "xlarge_3_0", blueprintId: "ubuntu_22_04", tags: { k: "v" } },
    ]);
    expect(sent(aws.lightsail, GetInstancesCommand)).toEqual([{}, { pageToken: "p2" }]);
    expect(await p.getLightsailInstances({ accountId: CALLER, region: "sa-east-1" })).toBeNull();
    expect(aws.lightsail.calls()).toHaveLength(2);
  });

  it("snapshot, stop and start send exactly the instance and snapshot names", async () => {
    aws.lightsail.on(CreateInstanceSnapshotCommand).resolves({ operations: [] });
    aws.lightsail.on(StopInstanceCommand).resolves({ operations: [] });
    aws.lightsail.on(StartInstanceCommand).resolves({ operations: [] });
    const p = testPort();
    await p.createLightsailInstanceSnapshot(USE1, "miner-1", "abuse-desk-case-miner-1");
    await p.stopLightsailInstance(USE1, "miner-1");
    await p.startLightsailInstance(USE1, "miner-1");
    expect(sent(aws.lightsail, CreateInstanceSnapshotCommand)).toEqual([{ instanceName: "miner-1", instanceSnapshotName: "abuse-desk-case-miner-1" }]);
    expect(sent(aws.lightsail, StopInstanceCommand)).toEqual([{ instanceName: "miner-1" }]);
    expect(sent(aws.lightsail, StartInstanceCommand)).toEqual([{ instanceName: "miner-1" }]);
  });

  it("a snapshot that does not exist is null; access denied is a typed error naming the IAM action", async () => {
    aws.lightsail.on(GetInstanceSnapshotCommand).rejects(awsError("NotFoundException", "The InstanceSnapshot does not exist"));
    const p = testPort();
    expect(await p.getLightsailInstanceSnapshot(USE1, "nope")).toBeNull();
    expect(sent(aws.lightsail, GetInstanceSnapshotCommand)).toEqual([{ instanceSnapshotName: "nope" }]);
    aws.lightsail.on(StopInstanceCommand).rejects(awsError("AccessDeniedException", "not authorized", 403));
    const e = (await p.stopLightsailInstance(USE1, "miner-1").catch((x: unknown) => x)) as CloudError;
    expect([e.kind, e.action]).toEqual(["access-denied", "lightsail:StopInstance"]);
  });
});
