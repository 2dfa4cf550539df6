/**
 * The fake AWS's answers for the fleet and Lightsail methods (src/cloud/port-fleet.ts), from the
 * simulator, in the SDK's shapes: DescribeSpotFleetRequests / DescribeSpotFleetInstances,
 * DescribeFleets (an instant fleet's instances inline) / DescribeFleetInstances, the per-fleet
 * failure lists of CancelSpotFleetRequests and DeleteFleets (an unknown id is a failure item in a
 * 200 answer, as EC2 sends it), and Lightsail's JSON API. Small pages so pagination is crossed.
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
import type { Operation } from "../../../src/cloud/aws/actions.ts";
import type { SimAccount } from "../../../src/cloud/sim/index.ts";
import { page, sdkError, type Call, type In } from "./fake-aws.ts";
import type { AnyStub, Mocks } from "./helpers.ts";

type On = (stub: AnyStub, command: new (input: In) => unknown, op: Operation, handler: (call: Call) => unknown) => void;

const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const operation = (name: string, type: string) => [{ id: `op-${name}`, resourceName: name, operationType: type, status: "Started", isTerminal: false }];

export function installFakeFleet(on: On, sim: SimAccount, m: Mocks): void {
  const api = sim.api;

  on(m.ec2, DescribeSpotFleetRequestsCommand, "ec2.DescribeSpotFleetRequests", ({ scope, input }) => {
    const p = page(api.describeSpotFleetRequests(scope, input.SpotFleetRequestIds), input.NextToken);
    return {
      SpotFleetRequestConfigs: p.items.map((f) => ({
        SpotFleetRequestId: f.spotFleetRequestId,
        SpotFleetRequestState: f.state,
        CreateTime: new Date(f.createTime),
        ActivityStatus: "fulfilled",
        SpotFleetRequestConfig: {
          IamFleetRole: "arn:aws:iam::111122223333:role/aws-ec2-spot-fleet-tagging-role",
          TargetCapacity: f.targetCapacity,
          Type: f.type,
          LaunchSpecifications: f.instanceTypes.map((t) => ({ InstanceType: t, ImageId: "ami-0c000000000000001" })),
        },
        Tags: tagList(f.tags),
      })),
      NextToken: p.next,
    };
  });
  on(m.ec2, DescribeSpotFleetInstancesCommand, "ec2.DescribeSpotFleetInstances", ({ scope, input }) => {
    const [f] = api.describeSpotFleetRequests(scope, [input.SpotFleetRequestId]);
    const p = page(f!.instanceIds, input.NextToken, 1);
    return { SpotFleetRequestId: f!.spotFleetRequestId, ActiveInstances: p.items.map((id) => ({ InstanceId: id, InstanceType: f!.instanceTypes[0], InstanceHealth: "healthy" })), NextToken: p.next };
  });
  on(m.ec2, CancelSpotFleetRequestsCommand, "ec2.CancelSpotFleetRequests", ({ scope, input }) => {
    if (input.TerminateInstances !== false && input.TerminateInstances !== true) throw sdkError("MissingParameter", "The request must contain the parameter TerminateInstances");
    const known = new Set(api.describeSpotFleetRequests(scope).map((f) => f.spotFleetRequestId));
    const ids: string[] = input.SpotFleetRequestIds;
    const ok = ids.filter((id) => known.has(id));
    const before = new Map(api.describeSpotFleetRequests(scope, ok).map((f) => [f.spotFleetRequestId, f.state]));
    if (ok.length) api.cancelSpotFleetRequests(scope, ok);
    const after = new Map(api.describeSpotFleetRequests(scope, ok).map((f) => [f.spotFleetRequestId, f.state]));
    return {
      SuccessfulFleetRequests: ok.map((id) => ({ SpotFleetRequestId: id, PreviousSpotFleetRequestState: before.get(id), CurrentSpotFleetRequestState: after.get(id) })),
      UnsuccessfulFleetRequests: ids.filter((id) => !known.has(id)).map((id) => ({ SpotFleetRequestId: id, Error: { Code: "fleetRequestIdDoesNotExist", Message: `The spot fleet request ID '${id}' does not exist` } })),
    };
  });

  on(m.ec2, DescribeFleetsCommand, "ec2.DescribeFleets", ({ scope, input }) => {
    const p = page(api.describeFleets(scope, input.FleetIds), input.NextToken);
    return {
      Fleets: p.items.map((f) => ({
        FleetId: f.fleetId,
        FleetState: f.state,
        Type: f.type,
        CreateTime: new Date(f.createTime),
        TargetCapacitySpecification: { TotalTargetCapacity: f.targetCapacity, DefaultTargetCapacityType: "spot" },
        LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateId: "lt-0c000000000000001", Version: "1" }, Overrides: f.instanceTypes.map((t) => ({ InstanceType: t })) }],
        // EC2 returns the instances only for instant fleets.
        Instances: f.type === "instant" ? [{ InstanceIds: f.instanceIds, InstanceType: f.instanceTypes[0], Lifecycle: "spot" }] : undefined,
        Tags: tagList(f.tags),
      })),
      NextToken: p.next,
    };
  });
  on(m.ec2, DescribeFleetInstancesCommand, "ec2.DescribeFleetInstances", ({ scope, input }) => {
    const [f] = api.describeFleets(scope, [input.FleetId]);
    const p = page(f!.instanceIds, input.NextToken, 1);
    return { FleetId: f!.fleetId, ActiveInstances: p.items.map((id) => ({ InstanceId: id, InstanceType: f!.instanceTypes[0], InstanceHealth: "healthy" })), NextToken: p.next };
  });
  on(m.ec2, DeleteFleetsCommand, "ec2.DeleteFleets", ({ scope, input }) => {
    if (input.TerminateInstances !== false && input.TerminateInstances !== true) throw sdkError("MissingParameter", "The request must contain the parameter TerminateInstances");
    const known = new Set(api.describeFleets(scope).map((f) => f.fleetId));
    const ids: string[] = input.FleetIds;
    const ok = ids.filter((id) => known.has(id));
    const before = new Map(api.describeFleets(scope, ok).map((f) => [f.fleetId, f.state]));
    if (ok.length) api.deleteFleets(scope, ok);
    const after = new Map(api.describeFleets(scope, ok).map((f) => [f.fleetId, f.state]));
    return {
      SuccessfulFleetDeletions: ok.map((id) => ({ FleetId: id, PreviousFleetState: before.get(id), CurrentFleetState: after.get(id) })),
      UnsuccessfulFleetDeletions: ids.filter((id) => !known.has(id)).map((id) => ({ FleetId: id, Error: { Code: "fleetIdDoesNotExist", Message: `The fleet ID '${id}' does not exist` } })),
    };
  });

  on(m.lightsail, GetInstancesCommand, "lightsail.GetInstances", ({ scope, input }) => {
    const all = api.getLightsailInstances(scope);
    if (!all) throw sdkError("UnknownEndpoint", `Lightsail is not offered in ${scope.region}`, 500);
    const p = page(all, input.pageToken, 1);
    return {
      instances: p.items.map((i) => ({
        name: i.name,
        arn: i.arn,
        createdAt: new Date(i.createdAt),
        location: { regionName: scope.region, availabilityZone: `${scope.region}a` },
        resourceType: "Instance",
        blueprintId: i.blueprintId,
        bundleId: i.bundleId,
        publicIpAddress: i.publicIpAddress,
        state: { code: i.state === "running" ? 16 : 80, name: i.state },
        tags: Object.entries(i.tags).map(([key, value]) => ({ key, value })),
      })),
      nextPageToken: p.next,
    };
  });
  on(m.lightsail, GetInstanceSnapshotCommand, "lightsail.GetInstanceSnapshot", ({ scope, input }) => {
    const s = api.getLightsailInstanceSnapshot(scope, input.instanceSnapshotName);
    if (!s) throw sdkError("NotFoundException", `The InstanceSnapshot does not exist: ${input.instanceSnapshotName}`);
    return { instanceSnapshot: { name: s.name, fromInstanceName: s.fromInstanceName, state: s.state, createdAt: new Date(s.createdAt), resourceType: "InstanceSnapshot" } };
  });
  on(m.lightsail, CreateInstanceSnapshotCommand, "lightsail.CreateInstanceSnapshot", ({ scope, input }) => {
    api.createLightsailInstanceSnapshot(scope, input.instanceName, input.instanceSnapshotName);
    return { operations: operation(input.instanceSnapshotName, "CreateInstanceSnapshot") };
  });
  on(m.lightsail, StopInstanceCommand, "lightsail.StopInstance", ({ scope, input }) => {
    api.stopLightsailInstance(scope, input.instanceName);
    return { operations: operation(input.instanceName, "StopInstance") };
  });
  on(m.lightsail, StartInstanceCommand, "lightsail.StartInstance", ({ scope, input }) => {
    api.startLightsailInstance(scope, input.instanceName);
    return { operations: operation(input.instanceName, "StartInstance") };
  });
}
