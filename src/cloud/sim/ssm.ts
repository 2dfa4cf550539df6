/**
 * Run Command in the simulator: SendCommand and GetCommandInvocation over the estate's scripted
 * host outputs (`hostTriage:` per region, ./ssm-schema.ts, ./host-scenarios.ts), with AWS's rules:
 * only managed instances take a command (InvalidInstanceId otherwise), an instance whose agent is
 * not online never gets it (Undeliverable), each poll moves an invocation on (Pending, InProgress,
 * then its end), inline output is truncated at 24,000 characters, the full output goes to the S3
 * location the command names.
 */
import { CloudError } from "../errors.ts";
import type { Scope, SsmManagedInstance } from "../model.ts";
import { INLINE_OUTPUT_LIMIT, TRIAGE_DOCUMENTS, type CommandInvocation, type CommandInvocationStatus, type SendCommandRequest } from "../port-ssm.ts";
import type { SimCore } from "./core.ts";
import { scenarioOutput } from "./host-scenarios.ts";
import { putObject as putS3Object } from "./logs.ts";
import type { HostTriageInput } from "./ssm-schema.ts";
import type { RegionState } from "./state.ts";

export interface SimInvocation {
  polls: number;
  status: CommandInvocationStatus;
  stdout: string;
  stderr: string;
  responseCode: number;
  /** Polls before the end (from the host's script). */
  pendingPolls: number;
  final: { status: CommandInvocationStatus; statusDetails: string; responseCode: number };
  /** The full output was handed to S3 (once, when the invocation ended). */
  uploaded?: boolean;
}

export interface SimCommand {
  commandId: string;
  documentName: string;
  comment: string;
  requestedAt: string;
  outputS3?: { bucket: string; prefix?: string };
  invocations: Map<string, SimInvocation>;
}

export interface SsmRegion {
  hostTriage: Map<string, HostTriageInput>;
  commands: Map<string, SimCommand>;
}

const ACTION = "ssm:SendCommand";

function fail(kind: "invalid" | "not-found", code: string, message: string, action: string, scope: Scope): CloudError {
  return new CloudError(kind, message, { code, action, accountId: scope.accountId, region: scope.region });
}

/** The nonce the triage script was sent with (its first assignment), to put in the scripted markers. */
function nonceOf(commands: string[]): string {
  for (const c of commands) {
    const m = /(?:^|\n)ADX_NONCE=([0-9a-f]{16,64})(?:\n|$)/.exec(c.slice(0, 2000));
    if (m) return m[1]!;
  }
  return "0000000000000000";
}

export function sendCommand(rs: RegionState & SsmRegion, scope: Scope, req: SendCommandRequest, now: Date, newId: () => string): string {
  if (!(TRIAGE_DOCUMENTS as readonly string[]).includes(req.documentName)) throw fail("invalid", "InvalidDocument", `document ${req.documentName} is not one abuse-desk may send`, ACTION, scope);
  if (req.instanceIds.length === 0 || req.instanceIds.length > 50) throw fail("invalid", "ValidationException", "SendCommand takes 1 to 50 instance ids", ACTION, scope);
  if (req.comment.length > 100) throw fail("invalid", "ValidationException", "Comment is at most 100 characters", ACTION, scope);
  if (!(req.timeoutSeconds >= 1 && req.timeoutSeconds <= 172800)) throw fail("invalid", "ValidationException", "executionTimeout is 1 to 172800 seconds", ACTION, scope);
  const bad = req.instanceIds.filter((id) => !rs.instances.has(id) || !rs.ssm.has(id));
  if (bad.length) throw fail("invalid", "InvalidInstanceId", `instances not managed by Systems Manager in ${scope.region}: ${bad.join(", ")}`, ACTION, scope);
  const commandId = newId();
  const nonce = nonceOf(req.commands);
  const cmd: SimCommand = { commandId, documentName: req.documentName, comment: req.comment, requestedAt: now.toISOString(), invocations: new Map() };
  if (req.outputS3) cmd.outputS3 = { bucket: req.outputS3.bucket, ...(req.outputS3.prefix !== undefined ? { prefix: req.outputS3.prefix } : {}) };
  for (const id of new Set(req.instanceIds)) {
    const managed = rs.ssm.get(id)!;
    const script = rs.hostTriage.get(id);
    const inv: SimInvocation = { polls: 0, status: "Pending", stdout: "", stderr: "", responseCode: -1, pendingPolls: script?.pendingPolls ?? 1, final: { status: "Success", statusDetails: "Success", responseCode: 0 } };
    if (managed.pingStatus !== "Online") inv.final = { status: "Undeliverable", statusDetails: "Undeliverable", responseCode: -1 };
    else if (!script) inv.final = { status: "Failed", statusDetails: "Failed", responseCode: 127 };
    else {
      const text = (script.scenario ? scenarioOutput(script.scenario, now) : script.stdout ?? "").replaceAll("@@ADX NONCE ", `@@ADX ${nonce} `);
      inv.stdout = text;
      inv.stderr = script.stderr;
      inv.final =
        script.status === "Success"
          ? { status: "Success", statusDetails: "Success", responseCode: 0 }
          : script.status === "TimedOut"
            ? { status: "TimedOut", statusDetails: "ExecutionTimedOut", responseCode: -1 }
            : { status: "Failed", statusDetails: "Failed", responseCode: 1 };
    }
    if (!script && inv.final.status === "Failed") inv.stderr = "no output scripted for this instance in the estate (hostTriage)";
    cmd.invocations.set(id, inv);
  }
  rs.commands.set(commandId, cmd);
  return commandId;
}

/** The key the agent writes under: PREFIX/COMMAND/INSTANCE/awsrunShellScript/0.awsrunShellScript/stdout. */
export function outputKeys(prefix: string | undefined, commandId: string, instanceId: string, documentName: string): { stdoutKey: string; stderrKey: string } {
  const plugin = documentName === "AWS-RunPowerShellScript" ? "awsrunPowerShellScript" : "awsrunShellScript";
  const base = `${prefix ? prefix.replace(/\/+$/, "") + "/" : ""}${commandId}/${instanceId}/${plugin}/0.${plugin}`;
  return { stdoutKey: `${base}/stdout`, stderrKey: `${base}/stderr` };
}

/**
 * One poll. `upload` is called once when an invocation with an S3 output location ends: the agent
 * writes the full stdout and stderr there (the simulator's S3 store, ./logs.ts), if the bucket exists.
 */
export function getCommandInvocation(
  rs: RegionState & SsmRegion,
  commandId: string,
  instanceId: string,
  upload: (bucket: string, key: string, body: string) => void = () => {},
): CommandInvocation | null {
  const cmd = rs.commands.get(commandId);
  const inv = cmd?.invocations.get(instanceId);
  if (!cmd || !inv) return null;
  inv.polls += 1;
  const ended = inv.polls > inv.pendingPolls;
  const status: CommandInvocationStatus = ended ? inv.final.status : inv.polls === 1 ? "Pending" : "InProgress";
  const out: CommandInvocation = {
    commandId,
    instanceId,
    status,
    statusDetails: ended ? inv.final.statusDetails : status,
    responseCode: ended ? inv.final.responseCode : -1,
    stdout: ended ? inv.stdout.slice(0, INLINE_OUTPUT_LIMIT) : "",
    stderr: ended ? inv.stderr.slice(0, INLINE_OUTPUT_LIMIT) : "",
  };
  if (ended && cmd.outputS3 && inv.final.status !== "Undeliverable") {
    const keys = outputKeys(cmd.outputS3.prefix, commandId, instanceId, cmd.documentName);
    if (!inv.uploaded) {
      inv.uploaded = true;
      upload(cmd.outputS3.bucket, keys.stdoutKey, inv.stdout);
      upload(cmd.outputS3.bucket, keys.stderrKey, inv.stderr);
    }
    out.outputS3 = { bucket: cmd.outputS3.bucket, ...keys };
  }
  return out;
}

// ---- the calls SimApi delegates (./api.ts) ----------------------------------------------------

export function ssmManagedInstances(api: SimCore, scope: Scope, instanceIds: string[]): SsmManagedInstance[] {
  const rs = api.region(scope, "ssm:DescribeInstanceInformation");
  return [...new Set(instanceIds)].flatMap((id) => {
    const m = rs.ssm.get(id);
    return m ? [{ ...m }] : [];
  });
}

/** Run Command (./ssm.ts); the id has AWS's shape (a UUID). */
export function simSendCommand(api: SimCore, scope: Scope, req: SendCommandRequest): string {
  const rs = api.region(scope, "ssm:SendCommand");
  const commandId = sendCommand(rs, scope, req, api.now(), () => {
    const hex = api.newId("cmd").slice(5);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(1, 4)}-${hex.slice(4, 16)}`.padEnd(36, "0");
  });
  // CloudTrail hides the commands (HIDDEN_DUE_TO_SECURITY_REASONS), as AWS does.
  api.log(
    rs,
    "SendCommand",
    { instanceIds: [...req.instanceIds], documentName: req.documentName, comment: req.comment, parameters: "HIDDEN_DUE_TO_SECURITY_REASONS", ...(req.outputS3 ? { outputS3BucketName: req.outputS3.bucket } : {}) },
    { command: { commandId, documentName: req.documentName, status: "Pending" } },
    [...req.instanceIds.map((name) => ({ type: "AWS::EC2::Instance", name })), { type: "AWS::SSM::Document", name: req.documentName }],
  );
  return commandId;
}

export function simGetCommandInvocation(api: SimCore, scope: Scope, commandId: string, instanceId: string): CommandInvocation | null {
  return getCommandInvocation(api.region(scope, "ssm:GetCommandInvocation"), commandId, instanceId, (bucket, key, body) => {
    // The agent writes with the instance role: into an existing bucket of the account, or nowhere.
    if (api.state.accounts.get(scope.accountId)?.buckets.has(bucket)) putS3Object(api.state, scope.accountId, bucket, key, body, { lastModified: api.nowIso() });
  });
}
