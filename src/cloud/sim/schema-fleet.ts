/**
 * The estate's section for fleets and Lightsail (issue 14): spot fleet requests, EC2 fleets and
 * Lightsail instances of a region. Spread into the region schema (./schema.ts) in one line.
 */
import { z } from "zod";
import { EC2_FLEET_ID, SPOT_FLEET_REQUEST_ID } from "../port-fleet.ts";

const isoTime = z.iso.datetime({ offset: true, message: "not an ISO 8601 date-time (2025-05-01T10:00:00Z)" });
const tags = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({});

/** What a spot fleet request and an EC2 fleet both have. */
const fleetFields = {
  createTime: isoTime,
  targetCapacity: z.number().int().min(0).default(1),
  instanceTypes: z.array(z.string()).default([]),
  /** Instances the fleet runs (each must be one of the region's instances). */
  instanceIds: z.array(z.string()).default([]),
  tags,
};

const spotFleet = z
  .object({
    spotFleetRequestId: z.string().regex(SPOT_FLEET_REQUEST_ID, "not a spot fleet request id (sfr- + a UUID)"),
    state: z.enum(["submitted", "active", "modifying", "cancelled_running", "cancelled_terminating", "cancelled", "failed"]).default("active"),
    type: z.enum(["maintain", "request"]).default("maintain"),
    ...fleetFields,
  })
  .strict();

const ec2Fleet = z
  .object({
    fleetId: z.string().regex(EC2_FLEET_ID, "not a fleet id (fleet- + a UUID)"),
    state: z.enum(["submitted", "active", "modifying", "deleted_running", "deleted_terminating", "deleted", "failed"]).default("active"),
    type: z.enum(["maintain", "request", "instant"]).default("maintain"),
    ...fleetFields,
  })
  .strict();

const lightsailInstance = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][\w.-]{0,254}$/, "not a Lightsail resource name"),
    createdAt: isoTime,
    state: z.enum(["pending", "running", "stopping", "stopped", "starting"]).default("running"),
    bundleId: z.string().default("medium_3_0"),
    blueprintId: z.string().default("ubuntu_22_04"),
    publicIpAddress: z.string().optional(),
    tags,
  })
  .strict();

/** Fields a region gains. */
export const fleetRegionFields = {
  spotFleets: z.array(spotFleet).default([]),
  fleets: z.array(ec2Fleet).default([]),
  lightsailInstances: z.array(lightsailInstance).default([]),
};
