/**
 * The host reader: SSM Run Command triage of each implicated instance (docs/investigate.md, "The
 * host"). For each instance Systems Manager manages and can reach, it sends the read-only triage
 * script (./scripts/linux.sh with AWS-RunShellScript, ./scripts/windows.ps1 with
 * AWS-RunPowerShellScript), waits for it within the configured timeout, keeps the output as
 * evidence (inline, or the full output from S3 when investigate.hostOutputs is set) and reads it
 * into findings (./analyse.ts). An instance that could not be examined is said so (NotSearched),
 * never passed over as clean.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { CloudError } from "../../cloud/errors.ts";
import type { Scope, SsmManagedInstance } from "../../cloud/model.ts";
import { FINAL_STATUSES, INLINE_OUTPUT_LIMIT, type CommandInvocation, type TriageDocument } from "../../cloud/port-ssm.ts";
import { emptyPart, type InvestigateContext, type InvestigationPart, type Reader, type SubjectResource } from "../types.ts";
import { analyse } from "./analyse.ts";
import { MAX_TEXT, splitSections } from "./sections.ts";

/** Per-section time bound on the host (the script's `timeout`), seconds. */
export const SECTION_SECONDS = 20;
const DEFAULT_POLL_MS = 3000;
/** Time after the script's own timeout for delivery and the last poll. */
const GRACE_SECONDS = 90;
const MAX_POLLS = 2000;

export const SCRIPTS = {
  linux: new URL("./scripts/linux.sh", import.meta.url),
  windows: new URL("./scripts/windows.ps1", import.meta.url),
} as const;

/** The commands sent: the run's nonce and bounds first, then the script itself. */
export function triageCommands(platform: "linux" | "windows", nonce: string): { documentName: TriageDocument; commands: string[] } {
  if (!/^[0-9a-f]{32}$/.test(nonce)) throw new Error("the nonce is 32 hex digits");
  const script = readFileSync(SCRIPTS[platform], "utf8");
  return platform === "windows"
    ? { documentName: "AWS-RunPowerShellScript", commands: [`$env:ADX_NONCE = '${nonce}'`, `$env:ADX_SECTION_SECONDS = '${SECTION_SECONDS}'`, script] }
    : { documentName: "AWS-RunShellScript", commands: [`ADX_NONCE=${nonce}`, `ADX_SECTION_SECONDS=${SECTION_SECONDS}`, "export ADX_NONCE ADX_SECTION_SECONDS", script] };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason ?? new Error("aborted"));
      },
      { once: true },
    );
  });

function message(err: unknown): string {
  return err instanceof CloudError ? err.message : err instanceof Error ? err.message : String(err);
}

async function waitFor(ctx: InvestigateContext, scope: Scope, commandId: string, instanceId: string, timeoutSeconds: number): Promise<CommandInvocation | null> {
  const deadline = ctx.now().getTime() + (timeoutSeconds + GRACE_SECONDS) * 1000;
  const poll = ctx.options.hostPollMs ?? DEFAULT_POLL_MS;
  let last: CommandInvocation | null = null;
  for (let i = 0; i < MAX_POLLS; i++) {
    if (i > 0) await sleep(poll, ctx.signal);
    last = await ctx.port.getCommandInvocation(scope, commandId, instanceId);
    if (last && FINAL_STATUSES.has(last.status)) return last;
    if (ctx.now().getTime() > deadline) break;
  }
  return last;
}

/** The largest full output fetched from S3; only its first MAX_TEXT characters are read. */
const MAX_S3_OUTPUT = 64 * 1024 * 1024;

async function fullOutput(ctx: InvestigateContext, scope: Scope, inv: CommandInvocation): Promise<{ text: string; where: string; cut: boolean } | { error: string }> {
  const s3 = inv.outputS3;
  if (!s3) return { error: "the command named no S3 output" };
  const file = join(ctx.workDir, `ssm-${inv.commandId.replace(/[^0-9a-f-]/g, "")}-${inv.instanceId.replace(/[^0-9a-z-]/g, "")}.stdout`);
  try {
    const region = ctx.options.hostOutputs?.region;
    await ctx.port.getObject(scope.accountId, s3.bucket, s3.stdoutKey, file, { maxBytes: MAX_S3_OUTPUT, ...(region ? { region } : {}) });
    // bounded: never more than the parser reads
    const fd = openSync(file, "r");
    try {
      const buf = Buffer.alloc(Math.min(fstatSync(fd).size, MAX_TEXT));
      const n = readSync(fd, buf, 0, buf.length, 0);
      return { text: buf.subarray(0, n).toString("utf8"), where: `s3://${s3.bucket}/${s3.stdoutKey}`, cut: fstatSync(fd).size > MAX_TEXT };
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return { error: message(err) };
  }
}

async function triageOne(ctx: InvestigateContext, subject: Parameters<Reader>[1], r: SubjectResource, managed: SsmManagedInstance, part: InvestigationPart): Promise<void> {
  const scope = r.scope;
  const platform = r.platform ?? (managed.platformType === "Windows" ? "windows" : "linux");
  const nonce = randomBytes(16).toString("hex");
  const { documentName, commands } = triageCommands(platform, nonce);
  const timeoutSeconds = Math.max(60, ctx.options.hostTimeoutSeconds);
  ctx.progress?.(`host ${r.id}: sending the ${platform} triage script (${documentName})`);
  let commandId: string;
  try {
    commandId = await ctx.port.sendCommand(scope, {
      instanceIds: [r.id],
      documentName,
      commands,
      timeoutSeconds,
      comment: `abuse-desk host triage ${subject.caseId}`.slice(0, 100),
      ...(ctx.options.hostOutputs
        ? { outputS3: { bucket: ctx.options.hostOutputs.bucket, prefix: `${(ctx.options.hostOutputs.prefix ?? "abuse-desk/host-triage").replace(/\/+$/, "")}/${subject.caseId}`, ...(ctx.options.hostOutputs.region ? { region: ctx.options.hostOutputs.region } : {}) } }
        : {}),
    });
  } catch (err) {
    part.notSearched.push({ what: `host ${r.id}`, scope, reason: `Run Command refused the triage script: ${message(err)}` });
    return;
  }
  const source = `ssm:SendCommand ${r.id} ${commandId}`;
  const query = `${documentName} ${platform === "windows" ? "windows.ps1" : "linux.sh"} (command ${commandId}, ${scope.accountId} ${scope.region})`;
  const inv = await waitFor(ctx, scope, commandId, r.id, timeoutSeconds);
  if (!inv || !FINAL_STATUSES.has(inv.status)) {
    part.notSearched.push({ what: `host ${r.id}`, scope, reason: `the triage command ${commandId} did not finish within ${timeoutSeconds + GRACE_SECONDS} seconds (last status ${inv?.status ?? "unknown"})` });
    return;
  }
  if (inv.status === "Undeliverable" || inv.status === "InvalidPlatform" || inv.status === "AccessDenied" || inv.status === "Terminated" || inv.status === "Cancelled") {
    part.notSearched.push({
      what: `host ${r.id}`,
      scope,
      reason: `Run Command could not run the triage script (${inv.status}${inv.statusDetails && inv.statusDetails !== inv.status ? `: ${inv.statusDetails.slice(0, 100)}` : ""})${inv.status === "Undeliverable" ? "; an isolated host needs HTTPS to the Systems Manager endpoints (policy hostTriage)" : ""}`,
    });
    return;
  }

  // The output: the full one from S3 when configured, else the inline one (cut at 24,000 characters).
  let text = inv.stdout;
  let where = "inline (GetCommandInvocation)";
  if (ctx.options.hostOutputs) {
    const full = await fullOutput(ctx, scope, inv);
    if ("text" in full) {
      text = full.text;
      where = full.where;
      if (full.cut) part.notSearched.push({ what: `host ${r.id}: the end of the full output`, scope, reason: `only the first ${MAX_TEXT.toLocaleString("en-US")} bytes of ${full.where} are read` });
    } else part.notSearched.push({ what: `host ${r.id}: the full output in S3`, scope, reason: `${full.error}; the inline output (at most ${INLINE_OUTPUT_LIMIT.toLocaleString("en-US")} characters) was read instead` });
  }
  const label = `host-triage ${r.id} ${commandId}`;
  part.artifacts.push({ label, content: text, source, collectedAt: ctx.now().toISOString() });
  if (inv.stderr) part.artifacts.push({ label: `${label} stderr`, content: inv.stderr.slice(0, INLINE_OUTPUT_LIMIT), source, collectedAt: ctx.now().toISOString() });
  if (inv.status !== "Success") part.notSearched.push({ what: `host ${r.id}`, scope, reason: `the triage script ended ${inv.status} (exit ${inv.responseCode}); the output it printed is read` });

  const out = splitSections(text, nonce);
  const a = analyse({
    out,
    platform,
    instanceId: r.id,
    evidence: label,
    query: `${query}, output ${where}`,
    window: subject.window,
    remoteIps: subject.remoteIps,
    remotePorts: subject.remotePorts,
    nowEpoch: Math.floor(ctx.now().getTime() / 1000),
    endedEarly:
      where.startsWith("inline") && text.length >= INLINE_OUTPUT_LIMIT - 64
        ? "the output ends before this section (Run Command's inline output stops at 24,000 characters: set investigate.hostOutputs to an S3 bucket for the full output)"
        : inv.status !== "Success"
          ? `the script ended ${inv.status} (exit ${inv.responseCode}) before this section`
          : "the output ends before this section",
  });
  part.findings.push(...a.findings);
  for (const n of a.notSearched) part.notSearched.push({ ...n, scope });
  ctx.progress?.(`host ${r.id}: ${a.findings.length} findings, ${a.notSearched.length} sections not read`);
}

/** Hosts examined at once: each waits for its own command, so a slow host does not hold up the others. */
const CONCURRENCY = 5;

export const readHost: Reader = async (ctx, subject) => {
  const part = emptyPart();
  const instances = subject.resources.filter((r) => r.kind === "instance");
  const byScope = new Map<string, SubjectResource[]>();
  for (const r of instances) {
    const k = `${r.scope.accountId}/${r.scope.region}`;
    byScope.set(k, [...(byScope.get(k) ?? []), r]);
  }
  // Each host gets its own part, merged in the subject's order, so the result does not depend on timing.
  const jobs: { r: SubjectResource; part: InvestigationPart; managed?: SsmManagedInstance }[] = [];
  for (const group of byScope.values()) {
    const scope = group[0]!.scope;
    let managed: SsmManagedInstance[];
    try {
      managed = await ctx.port.ssmManagedInstances(scope, group.map((r) => r.id));
    } catch (err) {
      for (const r of group) jobs.push({ r, part: { ...emptyPart(), notSearched: [{ what: `host ${r.id}`, scope, reason: `could not ask Systems Manager whether it manages the instance: ${message(err)}` }] } });
      continue;
    }
    for (const r of group) {
      const job: (typeof jobs)[number] = { r, part: emptyPart() };
      const m = managed.find((x) => x.instanceId === r.id);
      if (!m) job.part.notSearched.push({ what: `host ${r.id}`, scope, reason: "Systems Manager does not manage this instance (no SSM agent, no instance profile allowing it, or no route to the SSM endpoints): examine it from a snapshot" });
      else if (m.pingStatus !== "Online")
        job.part.notSearched.push({
          what: `host ${r.id}`,
          scope,
          reason: `its SSM agent is ${m.pingStatus}${m.lastPingDateTime ? ` (last seen ${m.lastPingDateTime})` : ""}: stopped, or cut off from the SSM endpoints (after isolation: policy hostTriage, with VPC interface endpoints for ssm, ssmmessages and ec2messages)`,
        });
      else job.managed = m;
      jobs.push(job);
    }
  }
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      if (!job.managed) continue;
      try {
        await triageOne(ctx, subject, job.r, job.managed, job.part);
      } catch (err) {
        if (ctx.signal?.aborted) throw err;
        job.part.notSearched.push({ what: `host ${job.r.id}`, scope: job.r.scope, reason: `the triage failed: ${message(err)}` });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, jobs.length) }, worker));
  for (const j of jobs) {
    part.findings.push(...j.part.findings);
    part.artifacts.push(...j.part.artifacts);
    part.notSearched.push(...j.part.notSearched);
  }
  return part;
};
