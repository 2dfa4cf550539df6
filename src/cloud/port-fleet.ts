/**
 * The cloud port's methods for the other ways an attacker launches miners (issue 14): EC2 spot
 * fleet requests (RequestSpotFleet), EC2 fleets (CreateFleet) and Lightsail instances
 * (CreateInstances). Read in every region; contained without terminating anything: a fleet is
 * cancelled or deleted with TerminateInstances=false (its instances are then stopped by their own
 * steps), a Lightsail instance is snapshotted, then stopped. CloudReader and CloudWriter extend these
 * interfaces; the simulator (src/cloud/sim/fleet.ts) and the AWS adapter (src/cloud/aws/fleet.ts)
 * implement them, test/cloud/contract-fleet.ts checks both.
 */
import type { Scope, Tags } from "./model.ts";

/** A spot fleet request (DescribeSpotFleetRequests) with the instances it runs (DescribeSpotFleetInstances). */
export interface SpotFleetRequest {
  spotFleetRequestId: string;
  /** `submitted` | `active` | `modifying` | `cancelled_running` | `cancelled_terminating` | `cancelled` | `failed`. */
  state: string;
  createTime: string;
  /** `maintain` (replaces what stops) | `request` | `instant`. */
  type: string;
  targetCapacity: number;
  /** Instance types of its launch specifications and launch template overrides. */
  instanceTypes: string[];
  /** Instances it runs now (DescribeSpotFleetInstances), sorted. */
  instanceIds: string[];
  tags: Tags;
}

/** An EC2 fleet (DescribeFleets) with its instances (DescribeFleetInstances; an instant fleet's come with it). */
export interface Ec2Fleet {
  fleetId: string;
  /** `submitted` | `active` | `modifying` | `deleted_running` | `deleted_terminating` | `deleted` | `failed`. */
  state: string;
  /** `maintain` | `request` | `instant` (an instant fleet has only instances: nothing to delete without terminating them). */
  type: string;
  createTime: string;
  targetCapacity: number;
  instanceTypes: string[];
  instanceIds: string[];
  tags: Tags;
}

/** A Lightsail instance (GetInstances). */
export interface LightsailInstance {
  name: string;
  arn: string;
  createdAt: string;
  /** `pending` | `running` | `stopping` | `stopped` | `starting` | `rebooting` | `shutting-down` | `terminated`. */
  state: string;
  bundleId: string;
  blueprintId: string;
  publicIpAddress?: string;
  tags: Tags;
}

/** A Lightsail instance snapshot (GetInstanceSnapshot). */
export interface LightsailInstanceSnapshot {
  name: string;
  fromInstanceName: string;
  /** `pending` | `available` | `error`. */
  state: string;
  createdAt: string;
}

/**
 * Regions where Lightsail is offered (2025): elsewhere getLightsailInstances answers null without a
 * call, and the sweep says "Lightsail not offered" rather than "not searched".
 */
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/** A spot fleet request id: `sfr-` and a UUID. */
export const SPOT_FLEET_REQUEST_ID = new RegExp(`^sfr-${UUID}$`);
/** An EC2 fleet id: `fleet-` and a UUID. */
export const EC2_FLEET_ID = new RegExp(`^fleet-${UUID}$`);

export const LIGHTSAIL_REGIONS: ReadonlySet<string> = new Set([
  "us-east-1", "us-east-2", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
  "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
]);

export interface FleetReader {
  /** Spot fleet requests of a region (all, or these ids: an unknown id is not-found), each with its running instances. */
  describeSpotFleetRequests(scope: Scope, ids?: string[]): Promise<SpotFleetRequest[]>;
  /** EC2 fleets of a region (all, or these ids), each with its running instances. */
  describeFleets(scope: Scope, ids?: string[]): Promise<Ec2Fleet[]>;
  /** Lightsail instances of a region; null where Lightsail is not offered. */
  getLightsailInstances(scope: Scope): Promise<LightsailInstance[] | null>;
}

export interface FleetWriter {
  /** CancelSpotFleetRequests with TerminateInstances=false: the fleet launches nothing more, its instances keep running. Not reversible. */
  cancelSpotFleetRequests(scope: Scope, ids: string[]): Promise<void>;
  /** DeleteFleets with TerminateInstances=false (maintain and request fleets only). Not reversible. */
  deleteFleets(scope: Scope, ids: string[]): Promise<void>;
  /** GetInstanceSnapshot: null when there is none of that name (containment's own read: did it take the snapshot already). */
  getLightsailInstanceSnapshot(scope: Scope, snapshotName: string): Promise<LightsailInstanceSnapshot | null>;
  createLightsailInstanceSnapshot(scope: Scope, instanceName: string, snapshotName: string): Promise<void>;
  stopLightsailInstance(scope: Scope, instanceName: string): Promise<void>;
  startLightsailInstance(scope: Scope, instanceName: string): Promise<void>;
}
