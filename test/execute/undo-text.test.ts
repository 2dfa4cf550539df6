import { describe, expect, it } from "vitest";
import { describeUndo } from "../../src/execute/undo-text.ts";
import { ACTION_MODULES, ACTIONS } from "../../src/plan/actions/index.ts";
import type { Step } from "../../src/execute/types.ts";

const step = (action: string, params: Record<string, unknown> = {}): Step =>
  ({ id: `s-${action}`, action, params, target: { accountId: "111122223333", region: "eu-west-1", type: "x", id: "target-1" } }) as unknown as Step;

describe("describeUndo: what a rollback does, said per action", () => {
  it("every action has its own text (a rollback never claims a generic restore)", () => {
    for (const a of ACTIONS) {
      const text = describeUndo(step(a));
      expect(text, a).not.toMatch(/as its handler recorded/);
      expect(text.length, a).toBeGreaterThan(10);
    }
  });

  it("an irreversible action says it cannot be undone; no other action does", () => {
    for (const a of ACTIONS) {
      const irreversible = (ACTION_MODULES[a] as { irreversible?: boolean }).irreversible === true;
      if (irreversible) expect(describeUndo(step(a)), a).toMatch(/^cannot be undone/);
    }
    expect(describeUndo(step("cancel-spot-fleet-requests", { spotFleetRequestIds: ["sfr-1"] }))).toMatch(/^cannot be undone: .*sfr-1 stay cancelled/);
    expect(describeUndo(step("delete-fleets", { fleetIds: ["fleet-1"] }))).toMatch(/^cannot be undone: .*fleet-1 stay deleted/);
    expect(describeUndo(step("deactivate-access-key", { accessKeyId: "AKIAEXAMPLE", userName: "u" }))).not.toMatch(/cannot be undone/);
  });

  it("names the principal of a policy step and the state before where the undo depends on it", () => {
    expect(describeUndo(step("detach-policy", { owner: { roleName: "deploy-role" }, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }))).toBe(
      "attaches arn:aws:iam::aws:policy/AdministratorAccess to role deploy-role again (if it was attached before the plan)",
    );
    expect(describeUndo(step("remove-inline-policy", { owner: { groupName: "developers" }, policyName: "p" }))).toMatch(/on group developers/);
    expect(describeUndo(step("stop-lightsail-instance", { instanceName: "gpu-1" }), { state: "running" })).toBe("starts the Lightsail instance gpu-1 again");
    expect(describeUndo(step("stop-lightsail-instance", { instanceName: "gpu-1" }), { state: "stopped" })).toMatch(/^leaves/);
  });
});
