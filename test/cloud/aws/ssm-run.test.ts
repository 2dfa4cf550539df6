/**
 * Run Command in the AWS adapter: the exact SendCommand request, GetCommandInvocation read back
 * (statuses, inline output, the S3 location of the full output in both URL styles), an invocation
 * AWS does not know yet as null, and errors translated.
 */
import { GetCommandInvocationCommand, SendCommandCommand } from "@aws-sdk/client-ssm";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { s3Location } from "../../../src/cloud/aws/ssm.ts";
import { CloudError } from "../../../src/cloud/errors.ts";
import { awsError, mockAws, SCOPE, sent, testPort } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());

const ID = "5f3c2a10-1b2c-4d5e-8f90-0123456789ab";

describe("sendCommand", () => {
  it("sends exactly the triage document, the script, the bounds and the S3 output", async () => {
    aws.ssm.on(SendCommandCommand).resolves({ Command: { CommandId: ID } });
    const port = testPort();
    const id = await port.sendCommand(SCOPE, {
      instanceIds: ["i-0abc0000000000001"],
      documentName: "AWS-RunShellScript",
      commands: ["ADX_NONCE=00ff", "echo hi"],
      timeoutSeconds: 300,
      outputS3: { bucket: "triage-out", prefix: "abuse-desk/C-1", region: "eu-west-1" },
      comment: "abuse-desk host triage C-1",
    });
    expect(id).toBe(ID);
    expect(sent(aws.ssm, SendCommandCommand)).toEqual([
      {
        InstanceIds: ["i-0abc0000000000001"],
        DocumentName: "AWS-RunShellScript",
        Comment: "abuse-desk host triage C-1",
        TimeoutSeconds: 300,
        Parameters: { commands: ["ADX_NONCE=00ff", "echo hi"], executionTimeout: ["300"] },
        OutputS3BucketName: "triage-out",
        OutputS3KeyPrefix: "abuse-desk/C-1",
        OutputS3Region: "eu-west-1",
      },
    ]);
    port.close();
  });
  it("without S3 output sends no S3 fields; the delivery timeout never goes under AWS's 30 seconds; the comment is cut at 100", async () => {
    aws.ssm.on(SendCommandCommand).resolves({ Command: { CommandId: ID } });
    const port = testPort();
    await port.sendCommand(SCOPE, { instanceIds: ["i-0abc0000000000001"], documentName: "AWS-RunPowerShellScript", commands: ["Get-Date"], timeoutSeconds: 10, comment: "c".repeat(150) });
    expect(sent(aws.ssm, SendCommandCommand)).toEqual([
      { InstanceIds: ["i-0abc0000000000001"], DocumentName: "AWS-RunPowerShellScript", Comment: "c".repeat(100), TimeoutSeconds: 30, Parameters: { commands: ["Get-Date"], executionTimeout: ["10"] } },
    ]);
    port.close();
  });
  it("a denied SendCommand names ssm:SendCommand", async () => {
    aws.ssm.on(SendCommandCommand).rejects(awsError("AccessDeniedException", "not authorized to perform: ssm:SendCommand"));
    const port = testPort();
    const err = await port.sendCommand(SCOPE, { instanceIds: ["i-0abc0000000000001"], documentName: "AWS-RunShellScript", commands: ["true"], timeoutSeconds: 60, comment: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect(err).toMatchObject({ kind: "access-denied", action: "ssm:SendCommand" });
    port.close();
  });
});

describe("getCommandInvocation", () => {
  it("reads status, output and the S3 location back", async () => {
    aws.ssm.on(GetCommandInvocationCommand).resolves({
      CommandId: ID,
      InstanceId: "i-0abc0000000000001",
      Status: "Success",
      StatusDetails: "Success",
      ResponseCode: 0,
      StandardOutputContent: "out",
      StandardErrorContent: "",
      StandardOutputUrl: `https://s3.eu-west-1.amazonaws.com/triage-out/abuse-desk/C-1/${ID}/i-0abc0000000000001/awsrunShellScript/0.awsrunShellScript/stdout`,
      StandardErrorUrl: `https://s3.eu-west-1.amazonaws.com/triage-out/abuse-desk/C-1/${ID}/i-0abc0000000000001/awsrunShellScript/0.awsrunShellScript/stderr`,
    });
    const port = testPort();
    expect(await port.getCommandInvocation(SCOPE, ID, "i-0abc0000000000001")).toEqual({
      commandId: ID,
      instanceId: "i-0abc0000000000001",
      status: "Success",
      statusDetails: "Success",
      responseCode: 0,
      stdout: "out",
      stderr: "",
      outputS3: { bucket: "triage-out", stdoutKey: `abuse-desk/C-1/${ID}/i-0abc0000000000001/awsrunShellScript/0.awsrunShellScript/stdout`, stderrKey: `abuse-desk/C-1/${ID}/i-0abc0000000000001/awsrunShellScript/0.awsrunShellScript/stderr` },
    });
    expect(sent(aws.ssm, GetCommandInvocationCommand)).toEqual([{ CommandId: ID, InstanceId: "i-0abc0000000000001" }]);
    port.close();
  });
  it("an invocation AWS does not know (yet) is null; an unknown status reads as Pending", async () => {
    aws.ssm.on(GetCommandInvocationCommand).rejectsOnce(awsError("InvocationDoesNotExist")).resolves({ Status: "SomethingNew" as never });
    const port = testPort();
    expect(await port.getCommandInvocation(SCOPE, ID, "i-0abc0000000000001")).toBeNull();
    expect(await port.getCommandInvocation(SCOPE, ID, "i-0abc0000000000001")).toMatchObject({ status: "Pending", stdout: "", responseCode: -1 });
    port.close();
  });
  it("S3 output URLs: path style, virtual-hosted style, and nothing else", () => {
    expect(s3Location("https://s3.eu-west-1.amazonaws.com/b/k/x%20y/stdout")).toEqual({ bucket: "b", key: "k/x y/stdout" });
    expect(s3Location("https://b.s3.eu-west-1.amazonaws.com/k/stdout")).toEqual({ bucket: "b", key: "k/stdout" });
    expect(s3Location("https://b.s3-eu-west-1.amazonaws.com/k/stdout")).toEqual({ bucket: "b", key: "k/stdout" });
    expect(s3Location("http://s3.eu-west-1.amazonaws.com/b/k")).toBeNull();
    expect(s3Location("https://evil.example.com/b/k")).toBeNull();
    expect(s3Location("")).toBeNull();
    expect(s3Location("not a url")).toBeNull();
    expect(s3Location("https://s3.eu-west-1.amazonaws.com/b/%E0%A4%A")).toBeNull();
  });
});
