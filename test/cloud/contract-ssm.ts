/**
 * The cloud contract for Run Command (src/cloud/port-ssm.ts), run on the simulator and on the AWS
 * adapter (through cloudContract). The contract estate scripts the `miner` host on C.web.
 */
import { describe, expect, it } from "vitest";
import type { CloudPort } from "../../src/cloud/port.ts";
import type { CommandInvocation, SendCommandRequest } from "../../src/cloud/port-ssm.ts";
import type { ContractSetupOptions } from "./contract.ts";
import { C, expectCloudError } from "./contract.ts";

const NONCE = "0123456789abcdef0123456789abcdef";
const req = (over: Partial<SendCommandRequest> = {}): SendCommandRequest => ({
  instanceIds: [C.web],
  documentName: "AWS-RunShellScript",
  commands: [`ADX_NONCE=${NONCE}`, "echo triage"],
  timeoutSeconds: 120,
  comment: "abuse-desk host triage C-1",
  ...over,
});

async function until(p: CloudPort, commandId: string, instanceId: string): Promise<{ seen: string[]; last: CommandInvocation }> {
  const seen: string[] = [];
  for (let i = 0; i < 10; i++) {
    const inv = await p.getCommandInvocation(C.eu, commandId, instanceId);
    if (!inv) {
      seen.push("(none)");
      continue;
    }
    seen.push(inv.status);
    if (!["Pending", "InProgress", "Delayed"].includes(inv.status)) return { seen, last: inv };
  }
  throw new Error(`never ended: ${seen.join(", ")}`);
}

export function ssmContract(port: (opts?: ContractSetupOptions) => Promise<CloudPort>): void {
  describe("Run Command (host triage)", () => {
    it("runs a triage document on a managed instance: Pending, InProgress, then the host's output", async () => {
      const p = await port();
      const id = await p.sendCommand(C.eu, req());
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const { seen, last } = await until(p, id, C.web);
      expect(seen).toEqual(["Pending", "InProgress", "Success"]);
      expect(last).toMatchObject({ commandId: id, instanceId: C.web, status: "Success", responseCode: 0, stderr: "" });
      expect(last.stdout).toContain(`@@ADX ${NONCE} BEGIN ps`);
      expect(last.stdout).not.toContain("@@ADX NONCE ");
      expect(last.stdout.length).toBeLessThanOrEqual(24_000);
      expect(last.outputS3).toBeUndefined();
      if (p.label.startsWith("sim")) {
        // the simulator logs its own SendCommand in CloudTrail, as AWS does (the commands hidden)
        const [ev] = await p.lookupEvents(C.eu, { start: "2025-06-01T11:00:00Z", end: "2025-06-01T13:00:00Z", eventNames: ["SendCommand"] });
        expect(ev).toMatchObject({ eventName: "SendCommand", eventSource: "ssm.amazonaws.com", username: "abuse-desk" });
        expect(JSON.stringify(ev)).not.toContain("echo triage");
      }
    });
    it("names where the full output is when the command asks for S3 output", async () => {
      const p = await port();
      const id = await p.sendCommand(C.eu, req({ outputS3: { bucket: "contract-bucket", prefix: "triage/C-1" } }));
      const { last } = await until(p, id, C.web);
      expect(last.outputS3).toEqual({
        bucket: "contract-bucket",
        stdoutKey: `triage/C-1/${id}/${C.web}/awsrunShellScript/0.awsrunShellScript/stdout`,
        stderrKey: `triage/C-1/${id}/${C.web}/awsrunShellScript/0.awsrunShellScript/stderr`,
      });
    });
    it("refuses an instance Systems Manager does not manage (InvalidInstanceId)", async () => {
      const p = await port();
      await expectCloudError(p.sendCommand(C.eu, req({ instanceIds: [C.legacy] })), "invalid", { code: "InvalidInstanceId" });
    });
    it("an instance whose agent is not connected never gets the command (Undeliverable)", async () => {
      const p = await port();
      const id = await p.sendCommand(C.eu, req({ instanceIds: [C.asgPeer] }));
      const { last } = await until(p, id, C.asgPeer);
      expect(last).toMatchObject({ status: "Undeliverable", stdout: "" });
    });
    it("sends no document but the two triage documents", async () => {
      const p = await port();
      await expectCloudError(p.sendCommand(C.eu, req({ documentName: "AWS-RunRemoteScript" as never })), "invalid", { code: "InvalidDocument" });
    });
    it("an invocation that does not exist is null, not an error", async () => {
      const p = await port();
      expect(await p.getCommandInvocation(C.eu, "00000000-0000-4000-8000-000000000000", C.web)).toBeNull();
      const id = await p.sendCommand(C.eu, req());
      expect(await p.getCommandInvocation(C.eu, id, C.legacy)).toBeNull();
    });
    it("a denied SendCommand names ssm:SendCommand", async () => {
      const p = await port({ faults: [{ call: "ssm:SendCommand", accessDenied: true }] });
      await expectCloudError(p.sendCommand(C.eu, req()), "access-denied", { action: "ssm:SendCommand" });
    });
  });
}
