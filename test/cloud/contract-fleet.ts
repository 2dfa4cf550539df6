/**
 * The fleet and Lightsail methods' contract (src/cloud/port-fleet.ts), run on the simulator and on
 * the AWS adapter through cloudContract (./contract.ts): the same answers from both, over the
 * contract estate's spot fleets, EC2 fleets and Lightsail instances in us-east-1.
 */
import { describe, expect, it } from "vitest";
import type { CloudPort } from "../../src/cloud/port.ts";
import { C, expectCloudError } from "./contract.ts";

export const F = {
  spotFleet: "sfr-c0000000-0000-4000-8000-000000000001",
  cancelledSpotFleet: "sfr-c0000000-0000-4000-8000-000000000002",
  fleet: "fleet-c0000000-0000-4000-8000-000000000001",
  instantFleet: "fleet-c0000000-0000-4000-8000-000000000002",
  miner: "contract-miner",
  web: "contract-web",
} as const;

export function fleetContract(port: () => Promise<CloudPort>): void {
  describe("fleets and Lightsail (port-fleet)", () => {
    it("lists spot fleet requests with their type, capacity and the instances they still run", async () => {
      const p = await port();
      const all = await p.describeSpotFleetRequests(C.use1);
      expect(all.map((f) => [f.spotFleetRequestId, f.state, f.type, f.targetCapacity])).toEqual([
        [F.spotFleet, "active", "maintain", 2],
        [F.cancelledSpotFleet, "cancelled", "request", 1],
      ]);
      expect(all[0]).toMatchObject({ createTime: "2025-05-30T22:02:00Z", instanceTypes: ["g4dn.xlarge"], instanceIds: [C.useast1Instance], tags: { Purpose: "render" } });
      expect(all[1]!.instanceIds).toEqual([]);
      expect((await p.describeSpotFleetRequests(C.use1, [F.cancelledSpotFleet])).map((f) => f.spotFleetRequestId)).toEqual([F.cancelledSpotFleet]);
      expect(await p.describeSpotFleetRequests(C.eu)).toEqual([]);
      await expectCloudError(p.describeSpotFleetRequests(C.use1, ["sfr-c0000000-0000-4000-8000-000000000099"]), "not-found");
    });

    it("cancels a spot fleet without terminating its instances: cancelled_running, the instance still runs", async () => {
      const p = await port();
      await p.cancelSpotFleetRequests(C.use1, [F.spotFleet]);
      const [f] = await p.describeSpotFleetRequests(C.use1, [F.spotFleet]);
      expect(f!.state).toBe("cancelled_running");
      expect(f!.instanceIds).toEqual([C.useast1Instance]);
      expect((await p.describeInstances(C.use1, { instanceIds: [C.useast1Instance] }))[0]!.state).toBe("running");
      await expectCloudError(p.cancelSpotFleetRequests(C.use1, ["sfr-c0000000-0000-4000-8000-000000000099"]), "not-found");
    });

    it("lists EC2 fleets, instant ones with their instances", async () => {
      const p = await port();
      const all = await p.describeFleets(C.use1);
      expect(all.map((f) => [f.fleetId, f.state, f.type, f.targetCapacity, f.instanceTypes, f.instanceIds])).toEqual([
        [F.fleet, "active", "maintain", 1, ["p3.2xlarge"], [C.useast1Instance]],
        [F.instantFleet, "active", "instant", 1, ["g5.xlarge"], [C.useast1Instance]],
      ]);
      expect(all[0]!.createTime).toBe("2025-05-30T22:03:00Z");
      expect(await p.describeFleets(C.eu)).toEqual([]);
      await expectCloudError(p.describeFleets(C.use1, ["fleet-c0000000-0000-4000-8000-000000000099"]), "not-found");
    });

    it("deletes a maintain fleet without terminating its instances; an instant fleet is refused", async () => {
      const p = await port();
      await p.deleteFleets(C.use1, [F.fleet]);
      const [f] = await p.describeFleets(C.use1, [F.fleet]);
      expect(f!.state).toBe("deleted_running");
      expect((await p.describeInstances(C.use1, { instanceIds: [C.useast1Instance] }))[0]!.state).toBe("running");
      await expectCloudError(p.deleteFleets(C.use1, [F.instantFleet]), "invalid");
      expect((await p.describeFleets(C.use1, [F.instantFleet]))[0]!.state).toBe("active");
      await expectCloudError(p.deleteFleets(C.use1, ["fleet-c0000000-0000-4000-8000-000000000099"]), "not-found");
    });

    it("reads Lightsail instances of a region; null where Lightsail is not offered", async () => {
      const p = await port();
      const all = await p.getLightsailInstances(C.use1);
      expect(all!.map((i) => [i.name, i.state, i.bundleId, i.blueprintId])).toEqual([
        [F.miner, "running", "xlarge_3_0", "ubuntu_22_04"],
        [F.web, "stopped", "small_3_0", "wordpress"],
      ]);
      expect(all![0]).toMatchObject({ arn: `arn:aws:lightsail:us-east-1:${C.prod}:Instance/${F.miner}`, createdAt: "2025-05-30T22:05:00Z", publicIpAddress: "198.51.100.77", tags: { Owner: "unknown" } });
      expect(await p.getLightsailInstances(C.eu)).toEqual([]);
      expect(await p.getLightsailInstances({ accountId: C.prod, region: "sa-east-1" })).toBeNull();
    });

    it("snapshots, stops and starts a Lightsail instance; a snapshot name is taken once", async () => {
      const p = await port();
      expect(await p.getLightsailInstanceSnapshot(C.use1, "case-1-miner")).toBeNull();
      await p.createLightsailInstanceSnapshot(C.use1, F.miner, "case-1-miner");
      expect(await p.getLightsailInstanceSnapshot(C.use1, "case-1-miner")).toMatchObject({ name: "case-1-miner", fromInstanceName: F.miner });
      await expectCloudError(p.createLightsailInstanceSnapshot(C.use1, F.miner, "case-1-miner"), "invalid");
      await expectCloudError(p.createLightsailInstanceSnapshot(C.use1, "no-such-instance", "case-1-other"), "not-found");
      await p.stopLightsailInstance(C.use1, F.miner);
      expect((await p.getLightsailInstances(C.use1))!.find((i) => i.name === F.miner)!.state).toBe("stopped");
      await p.startLightsailInstance(C.use1, F.miner);
      expect((await p.getLightsailInstances(C.use1))!.find((i) => i.name === F.miner)!.state).toBe("running");
      await expectCloudError(p.stopLightsailInstance(C.use1, "no-such-instance"), "not-found");
    });
  });
}
