/**
 * Systems Manager Run Command: the host triage's way onto an instance (src/investigate/host).
 *
 * Only the two triage documents can be sent (the IAM policy allows nothing else, docs/iam), and the
 * scripts they run are read-only (src/investigate/host/scripts, checked by a test). Everything a
 * host prints is hostile: it is returned as data, bounded, and never interpreted here.
 */
import type { Scope } from "./model.ts";

/** The only documents the port sends: AWS's own shell and PowerShell runners. */
export const TRIAGE_DOCUMENTS = ["AWS-RunShellScript", "AWS-RunPowerShellScript"] as const;
export type TriageDocument = (typeof TRIAGE_DOCUMENTS)[number];

/** Run Command truncates inline output at 24,000 characters (the full output goes to S3 when asked). */
export const INLINE_OUTPUT_LIMIT = 24_000;

export interface SendCommandRequest {
  instanceIds: string[];
  documentName: TriageDocument;
  /** The script's lines (the document's `commands` parameter). */
  commands: string[];
  /** The document's `executionTimeout` (how long the script may run on the host), in seconds. */
  timeoutSeconds: number;
  /** Where the agent writes the full stdout/stderr (Run Command's OutputS3BucketName / KeyPrefix). */
  outputS3?: { bucket: string; prefix?: string; region?: string };
  /** Shown in the console and CloudTrail (at most 100 characters). */
  comment: string;
}

export type CommandInvocationStatus = "Pending" | "InProgress" | "Delayed" | "Success" | "Cancelled" | "TimedOut" | "Failed" | "Cancelling" | "Undeliverable" | "Terminated" | "InvalidPlatform" | "AccessDenied";

/** The statuses after which nothing more will happen. */
export const FINAL_STATUSES: ReadonlySet<CommandInvocationStatus> = new Set(["Success", "Cancelled", "TimedOut", "Failed", "Undeliverable", "Terminated", "InvalidPlatform", "AccessDenied"]);

export interface CommandInvocation {
  commandId: string;
  instanceId: string;
  status: CommandInvocationStatus;
  statusDetails: string;
  /** The script's exit code (-1 while it runs or when it never ran). */
  responseCode: number;
  /** Inline output, truncated by AWS at 24,000 characters. */
  stdout: string;
  stderr: string;
  /** Where the full output is, when the command asked for S3 output and the agent wrote it. */
  outputS3?: { bucket: string; stdoutKey: string; stderrKey: string };
}

/** Run Command (read side: it runs only the read-only triage scripts). */
export interface SsmCommandReader {
  /** SendCommand: one command for these instances; returns its id. An instance SSM does not manage is refused (InvalidInstanceId). */
  sendCommand(scope: Scope, request: SendCommandRequest): Promise<string>;
  /** GetCommandInvocation: the invocation on one instance, or null when it does not exist (yet: AWS takes a moment after SendCommand). */
  getCommandInvocation(scope: Scope, commandId: string, instanceId: string): Promise<CommandInvocation | null>;
}
