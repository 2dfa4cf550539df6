/** Systems Manager: whether an instance is managed (so host triage through SSM is possible). */
import { GetCommandInvocationCommand, paginateDescribeInstanceInformation, SendCommandCommand } from "@aws-sdk/client-ssm";
import type { CommandInvocation, CommandInvocationStatus, SendCommandRequest } from "../port-ssm.ts";
import { errorCode } from "./errors.ts";
import type { Scope, SsmManagedInstance } from "../model.ts";
import { definedOnly, iso } from "./convert.ts";
import { chunk } from "../limits.ts";
import { allPages, target, type Ctx } from "./session.ts";


/** The InstanceIds filter takes at most 50 values per call. */
const SSM_BATCH = 50;

export async function ssmManagedInstances(ctx: Ctx, scope: Scope, instanceIds: string[]): Promise<SsmManagedInstance[]> {
  const unique = [...new Set(instanceIds)];
  const out: SsmManagedInstance[] = [];
  for (const ids of chunk(unique, SSM_BATCH)) {
    // Ids SSM does not manage are simply absent from the answer.
    const pages = await ctx.session.run("ssm.DescribeInstanceInformation", target(ctx, scope), (ssm) =>
      allPages(paginateDescribeInstanceInformation, ssm, { Filters: [{ Key: "InstanceIds", Values: ids }] }),
    );
    for (const p of pages) {
      for (const i of p.InstanceInformationList ?? []) {
        if (!i.InstanceId) continue;
        out.push(
          definedOnly({
            instanceId: i.InstanceId,
            pingStatus: i.PingStatus ?? "",
            platformType: i.PlatformType,
            platformName: i.PlatformName,
            agentVersion: i.AgentVersion,
            lastPingDateTime: iso(i.LastPingDateTime),
          }),
        );
      }
    }
  }
  return out;
}

/**
 * SendCommand with one of the two triage documents. `executionTimeout` bounds the script on the
 * host; `TimeoutSeconds` (delivery) is left at the same figure with AWS's floor of 30 seconds.
 */
export async function sendCommand(ctx: Ctx, scope: Scope, req: SendCommandRequest): Promise<string> {
  const input = {
    InstanceIds: [...req.instanceIds],
    DocumentName: req.documentName,
    Comment: req.comment.slice(0, 100),
    TimeoutSeconds: Math.max(30, Math.ceil(req.timeoutSeconds)),
    Parameters: { commands: [...req.commands], executionTimeout: [String(Math.ceil(req.timeoutSeconds))] },
    ...(req.outputS3
      ? { OutputS3BucketName: req.outputS3.bucket, ...(req.outputS3.prefix ? { OutputS3KeyPrefix: req.outputS3.prefix } : {}), ...(req.outputS3.region ? { OutputS3Region: req.outputS3.region } : {}) }
      : {}),
  };
  const out = await ctx.session.run("ssm.SendCommand", target(ctx, scope), (ssm) => ssm.send(new SendCommandCommand(input)));
  const id = out.Command?.CommandId;
  if (!id) throw new Error("SendCommand answered without a command id");
  return id;
}

const STATUSES: ReadonlySet<string> = new Set(["Pending", "InProgress", "Delayed", "Success", "Cancelled", "TimedOut", "Failed", "Cancelling", "Undeliverable", "Terminated", "InvalidPlatform", "AccessDenied"]);

/** s3 URL of an output (path style https://s3.REGION.amazonaws.com/BUCKET/KEY or virtual-hosted https://BUCKET.s3.REGION.amazonaws.com/KEY). */
export function s3Location(url: string | undefined): { bucket: string; key: string } | null {
  if (!url || url.length > 2048) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== "https:" || !u.hostname.endsWith(".amazonaws.com")) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname.replace(/^\//, ""));
  } catch {
    return null;
  }
  const virtual = /^(.+)\.s3[.-]/.exec(u.hostname);
  if (virtual && !u.hostname.startsWith("s3.") && !u.hostname.startsWith("s3-")) return path ? { bucket: virtual[1]!, key: path } : null;
  const slash = path.indexOf("/");
  return slash > 0 && slash < path.length - 1 ? { bucket: path.slice(0, slash), key: path.slice(slash + 1) } : null;
}

/** GetCommandInvocation; null while AWS does not know the invocation (InvocationDoesNotExist). */
export async function getCommandInvocation(ctx: Ctx, scope: Scope, commandId: string, instanceId: string): Promise<CommandInvocation | null> {
  const out = await ctx.session.run("ssm.GetCommandInvocation", target(ctx, scope), async (ssm) => {
    try {
      return await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
    } catch (err) {
      if (errorCode(err) === "InvocationDoesNotExist") return null;
      throw err;
    }
  });
  if (!out) return null;
  const status = (STATUSES.has(out.Status ?? "") ? out.Status : "Pending") as CommandInvocationStatus;
  const inv: CommandInvocation = {
    commandId,
    instanceId,
    status,
    statusDetails: out.StatusDetails ?? status,
    responseCode: out.ResponseCode ?? -1,
    stdout: out.StandardOutputContent ?? "",
    stderr: out.StandardErrorContent ?? "",
  };
  const so = s3Location(out.StandardOutputUrl);
  const se = s3Location(out.StandardErrorUrl);
  if (so && se && so.bucket === se.bucket) inv.outputS3 = { bucket: so.bucket, stdoutKey: so.key, stderrKey: se.key };
  return inv;
}
