/** Instance actions: capture, protections, snapshots, stop, tags. */
import { z } from "zod";
import type { Instance } from "../../cloud/model.ts";
import { StepError } from "../errors.ts";
import { keepEvidence, type EvidenceRecord } from "../evidence.ts";
import { CloudError } from "../../cloud/errors.ts";
import { TAG_PLAN, TAG_STEP } from "../tags.ts";
import { chunk } from "../../cloud/limits.ts";
import { awsTags, TAG_BATCH } from "../calls.ts";
import { defineAction, type Handler, type StepContext } from "../action.ts";
import { instanceId, tags, text } from "../schemas.ts";

const INSTANCE = "ec2-instance";

/** The parameters of each instance action. */
const PARAMS = {
  "capture-metadata": z.strictObject({ instanceId }),
  "protect-termination": z.strictObject({ instanceId }),
  "shutdown-stop": z.strictObject({ instanceId }),
  "keep-volumes": z.strictObject({ instanceId, deviceNames: z.array(z.string().regex(/^(\/dev\/)?[a-z][a-z0-9]*$/, "expected a device name (/dev/xvda)")).min(1) }),
  "snapshot-volumes": z.strictObject({ instanceId, volumeIds: z.array(z.string().regex(/^vol-[0-9A-Za-z]+$/, "expected a vol- id")), description: text, tags }),
  "stop-instance": z.strictObject({ instanceId }),
  "tag-resources": z.strictObject({ resourceIds: z.array(z.string().regex(/^(i|eni|sg|vol|snap)-[0-9A-Za-z]+$/, "expected an EC2 resource id")).min(1), tags }),
};
type ActionParams = { [K in keyof typeof PARAMS]: z.infer<(typeof PARAMS)[K]> };

export async function describeOne(ctx: StepContext<{ instanceId: string }>): Promise<Instance> {
  const [inst] = await ctx.port.describeInstances(ctx.scope, { instanceIds: [ctx.params.instanceId] });
  if (!inst) throw new StepError(`instance ${ctx.params.instanceId} no longer exists in ${ctx.scope.accountId}/${ctx.scope.region}`);
  return inst;
}

/** A capture that the instance cannot give (no screenshot for its type, no console yet) is noted, not fatal. */
async function optional<T>(what: () => Promise<T>): Promise<{ value: T | null; note?: string }> {
  try {
    return { value: await what() };
  } catch (err) {
    if (err instanceof CloudError && (err.kind === "invalid" || err.kind === "not-found")) return { value: null, note: err.message };
    throw err;
  }
}

export const captureMetadata: Handler<ActionParams["capture-metadata"], null, { evidence: EvidenceRecord[]; notes: string[] }> = {
  async observe() {
    return null;
  },
  async run(ctx) {
    const id = ctx.params.instanceId;
    const at = () => ctx.now().toISOString();
    const base = { planId: ctx.plan.id, stepId: ctx.step.id };
    const evidence: EvidenceRecord[] = [];
    const notes: string[] = [];
    const inst = await describeOne(ctx);
    evidence.push(await keepEvidence(ctx.evidence, { ...base, name: `${id}-instance.json`, contentType: "application/json", data: Buffer.from(JSON.stringify(inst, null, 2)), source: `ec2:DescribeInstances ${id}`, capturedAt: at() }));
    const userData = await optional(() => ctx.port.getUserData(ctx.scope, id));
    if (userData.value !== null) evidence.push(await keepEvidence(ctx.evidence, { ...base, name: `${id}-user-data.txt`, contentType: "text/plain", data: Buffer.from(userData.value), source: `ec2:DescribeInstanceAttribute userData ${id}`, capturedAt: at() }));
    else notes.push(`user data: ${userData.note ?? "none"}`);
    const console = await optional(() => ctx.port.getConsoleOutput(ctx.scope, id));
    if (console.value !== null) evidence.push(await keepEvidence(ctx.evidence, { ...base, name: `${id}-console-output.txt`, contentType: "text/plain", data: Buffer.from(console.value), source: `ec2:GetConsoleOutput ${id}`, capturedAt: at() }));
    else notes.push(`console output: ${console.note ?? "none yet"}`);
    const shot = await optional(() => ctx.port.getConsoleScreenshot(ctx.scope, id));
    if (shot.value !== null) evidence.push(await keepEvidence(ctx.evidence, { ...base, name: `${id}-screenshot.jpg`, contentType: "image/jpeg", data: Buffer.from(shot.value, "base64"), source: `ec2:GetConsoleScreenshot ${id}`, capturedAt: at() }));
    else notes.push(`screenshot: ${shot.note ?? "none"}`);
    return { outcome: "done", after: { evidence, notes } };
  },
  async undo() {
    return { outcome: "kept", detail: { kept: "captures are evidence" } };
  },
};

/*
 * Termination protection and shutdown behaviour are read with DescribeInstanceAttribute; when that
 * read is not possible (no permission, an emulator without it) the value is unknown (null). Unknown
 * is never taken for "already safe": the safe value is set anyway, and a rollback leaves it set
 * rather than restore a value nobody saw.
 */
export const protectTermination: Handler<ActionParams["protect-termination"], { disableApiTermination: boolean | null }, { changed: boolean }> = {
  async observe(ctx) {
    return { disableApiTermination: (await describeOne(ctx)).disableApiTermination ?? null };
  },
  async run(ctx, now) {
    if (now.disableApiTermination === true) return { outcome: "skipped", after: { changed: false } };
    await ctx.port.modifyInstanceAttribute(ctx.scope, ctx.params.instanceId, { disableApiTermination: true });
    return { outcome: "done", after: { changed: true } };
  },
  async undo(ctx, before) {
    if (before.disableApiTermination === null) return { outcome: "kept", detail: { why: "termination protection was unknown before the plan: left enabled" } };
    const now = await this.observe(ctx);
    if (now.disableApiTermination === before.disableApiTermination) return { outcome: "nothing" };
    await ctx.port.modifyInstanceAttribute(ctx.scope, ctx.params.instanceId, { disableApiTermination: before.disableApiTermination });
    return { outcome: "rolled-back" };
  },
};

export const shutdownStop: Handler<ActionParams["shutdown-stop"], { instanceInitiatedShutdownBehavior: "stop" | "terminate" | null }, { changed: boolean }> = {
  async observe(ctx) {
    return { instanceInitiatedShutdownBehavior: (await describeOne(ctx)).instanceInitiatedShutdownBehavior ?? null };
  },
  async run(ctx, now) {
    if (now.instanceInitiatedShutdownBehavior === "stop") return { outcome: "skipped", after: { changed: false } };
    await ctx.port.modifyInstanceAttribute(ctx.scope, ctx.params.instanceId, { instanceInitiatedShutdownBehavior: "stop" });
    return { outcome: "done", after: { changed: true } };
  },
  async undo(ctx, before) {
    if (before.instanceInitiatedShutdownBehavior === null) return { outcome: "kept", detail: { why: "the shutdown behaviour was unknown before the plan: left at stop" } };
    const now = await this.observe(ctx);
    if (now.instanceInitiatedShutdownBehavior === before.instanceInitiatedShutdownBehavior) return { outcome: "nothing" };
    await ctx.port.modifyInstanceAttribute(ctx.scope, ctx.params.instanceId, { instanceInitiatedShutdownBehavior: before.instanceInitiatedShutdownBehavior });
    return { outcome: "rolled-back" };
  },
};

type Dot = Record<string, boolean>;
export const keepVolumes: Handler<ActionParams["keep-volumes"], { deleteOnTermination: Dot }, { changed: string[] }> = {
  async observe(ctx) {
    const inst = await describeOne(ctx);
    return { deleteOnTermination: Object.fromEntries(inst.blockDevices.map((d) => [d.deviceName, d.deleteOnTermination])) };
  },
  async run(ctx, now) {
    const todo = ctx.params.deviceNames.filter((d) => now.deleteOnTermination[d] === true);
    if (!todo.length) return { outcome: "skipped", after: { changed: [] } };
    await ctx.port.modifyInstanceAttribute(ctx.scope, ctx.params.instanceId, { blockDeviceDeleteOnTermination: todo.map((deviceName) => ({ deviceName, deleteOnTermination: false })) });
    return { outcome: "done", after: { changed: todo } };
  },
  async undo(ctx, before) {
    const now = await this.observe(ctx);
    const back = ctx.params.deviceNames.filter((d) => before.deleteOnTermination[d] === true && now.deleteOnTermination[d] === false);
    if (!back.length) return { outcome: "nothing" };
    await ctx.port.modifyInstanceAttribute(ctx.scope, ctx.params.instanceId, { blockDeviceDeleteOnTermination: back.map((deviceName) => ({ deviceName, deleteOnTermination: true })) });
    return { outcome: "rolled-back", detail: { devices: back } };
  },
};

const stepTag = (ctx: StepContext<unknown>) => `${ctx.plan.id}/${ctx.step.id}`;

export const snapshotVolumes: Handler<ActionParams["snapshot-volumes"], { existing: { snapshotId: string; volumeId: string }[] }, { snapshots: { snapshotId: string; volumeId: string }[]; reused: boolean }> = {
  async observe(ctx) {
    // A killed run may have created them already: they carry this step's tag.
    const found = await ctx.port.describeSnapshots(ctx.scope, { tags: { [TAG_STEP]: stepTag(ctx) } });
    return { existing: found.map((s) => ({ snapshotId: s.snapshotId, volumeId: s.volumeId })) };
  },
  async run(ctx, now) {
    if (now.existing.length) return { outcome: "skipped", after: { snapshots: now.existing, reused: true } };
    const snapshots = await ctx.port.createSnapshots(ctx.scope, ctx.params.instanceId, {
      description: ctx.params.description,
      tags: { ...ctx.params.tags, [TAG_STEP]: stepTag(ctx) },
    });
    return { outcome: "done", after: { snapshots, reused: false } };
  },
  async undo(_ctx, _before, after) {
    return { outcome: "kept", detail: { kept: after?.snapshots.map((s) => s.snapshotId) ?? [], why: "snapshots are evidence" } };
  },
};

export const stopInstance: Handler<ActionParams["stop-instance"], { state: string }, { stopped: boolean }> = {
  async observe(ctx) {
    return { state: (await describeOne(ctx)).state };
  },
  async run(ctx, now) {
    if (now.state !== "running" && now.state !== "pending") return { outcome: "skipped", after: { stopped: false } };
    await ctx.port.stopInstances(ctx.scope, [ctx.params.instanceId]);
    return { outcome: "done", after: { stopped: true } };
  },
  async undo(ctx, before) {
    if (before.state !== "running" && before.state !== "pending") return { outcome: "nothing" };
    const now = await this.observe(ctx);
    if (now.state === "running" || now.state === "pending") return { outcome: "nothing" };
    if (now.state === "stopping") throw new StepError(`${ctx.params.instanceId} is still stopping; run the rollback again once it has stopped`);
    await ctx.port.startInstances(ctx.scope, [ctx.params.instanceId]);
    return { outcome: "rolled-back" };
  },
};

/** Which chunks of a CreateTags step already carry this plan's tag (read on an instance or ENI of the chunk). */
export const tagResources: Handler<ActionParams["tag-resources"], { tagged: string[] }, { tagged: string[] }> = {
  async observe(ctx) {
    const ids = ctx.params.resourceIds;
    const planValue = ctx.params.tags[TAG_PLAN];
    const instances = ids.filter((i) => i.startsWith("i-"));
    const enis = ids.filter((i) => i.startsWith("eni-"));
    const tagged: string[] = [];
    if (planValue !== undefined && instances.length) {
      for (const inst of await ctx.port.describeInstances(ctx.scope, { instanceIds: instances })) if (inst.tags[TAG_PLAN] === planValue) tagged.push(inst.instanceId);
    }
    if (planValue !== undefined && enis.length) {
      for (const e of await ctx.port.describeNetworkInterfaces(ctx.scope, { networkInterfaceIds: enis })) if (e.tags[TAG_PLAN] === planValue) tagged.push(e.networkInterfaceId);
    }
    return { tagged };
  },
  async run(ctx, now) {
    // CreateTags applies to every resource of a call or to none, so one tagged, observable member
    // shows the whole call was made.
    const done = new Set(now.tagged);
    const todo = chunk(ctx.params.resourceIds, TAG_BATCH).filter((c) => !c.some((id) => done.has(id)));
    for (const ids of todo) await ctx.port.createTags(ctx.scope, ids, ctx.params.tags);
    return { outcome: todo.length ? "done" : "skipped", after: { tagged: todo.flat() } };
  },
  async undo() {
    return { outcome: "kept", detail: { why: "case tags are kept as a record of the case" } };
  },
};

const DESCRIBE = ["describeInstances"] as const;

export const CAPTURE_METADATA = defineAction({
  summary: "keeps the instance's description, user data, console output and screenshot as evidence (reads only)",
  params: PARAMS["capture-metadata"],
  target: { type: INSTANCE, id: (p) => p.instanceId },
  calls: ({ instanceId }) => [
    { api: "ec2:DescribeInstances", params: { InstanceIds: [instanceId] } },
    { api: "ec2:DescribeInstanceAttribute", params: { InstanceId: instanceId, Attribute: "userData" } },
    { api: "ec2:GetConsoleOutput", params: { InstanceId: instanceId, Latest: true } },
    { api: "ec2:GetConsoleScreenshot", params: { InstanceId: instanceId } },
  ],
  handler: captureMetadata,
  uses: [...DESCRIBE, "getUserData", "getConsoleOutput", "getConsoleScreenshot"],
  readOnly: true,
});

export const PROTECT_TERMINATION = defineAction({
  summary: "turns DisableApiTermination on: nobody terminates the evidence by mistake (Auto Scaling still can)",
  params: PARAMS["protect-termination"],
  target: { type: INSTANCE, id: (p) => p.instanceId },
  calls: (p) => [{ api: "ec2:ModifyInstanceAttribute", params: { InstanceId: p.instanceId, DisableApiTermination: { Value: true } } }],
  handler: protectTermination,
  uses: [...DESCRIBE, "modifyInstanceAttribute"],
});

export const SHUTDOWN_STOP = defineAction({
  summary: "sets the instance-initiated shutdown behaviour to stop: a shutdown from inside the host stops it instead of terminating it",
  params: PARAMS["shutdown-stop"],
  target: { type: INSTANCE, id: (p) => p.instanceId },
  calls: (p) => [{ api: "ec2:ModifyInstanceAttribute", params: { InstanceId: p.instanceId, InstanceInitiatedShutdownBehavior: { Value: "stop" } } }],
  handler: shutdownStop,
  uses: [...DESCRIBE, "modifyInstanceAttribute"],
});

export const KEEP_VOLUMES = defineAction({
  summary: "turns DeleteOnTermination off for these devices: the volumes outlive the instance",
  params: PARAMS["keep-volumes"],
  target: { type: INSTANCE, id: (p) => p.instanceId },
  calls: (k) => [
    {
      api: "ec2:ModifyInstanceAttribute",
      params: { InstanceId: k.instanceId, BlockDeviceMappings: k.deviceNames.map((d) => ({ DeviceName: d, Ebs: { DeleteOnTermination: false } })) },
    },
  ],
  handler: keepVolumes,
  uses: [...DESCRIBE, "modifyInstanceAttribute"],
});

export const SNAPSHOT_VOLUMES = defineAction({
  summary: "snapshots every volume of the instance (crash-consistent), tagged with the case and the step",
  params: PARAMS["snapshot-volumes"],
  target: { type: INSTANCE, id: (p) => p.instanceId },
  calls: (s) => [
    {
      api: "ec2:CreateSnapshots",
      params: {
        InstanceSpecification: { InstanceId: s.instanceId, ExcludeBootVolume: false },
        Description: s.description,
        TagSpecifications: [{ ResourceType: "snapshot", Tags: awsTags(s.tags) }],
        // The snapshots also keep the volumes' own tags (owner, application): evidence with its context.
        CopyTagsFromSource: "volume",
      },
    },
  ],
  handler: snapshotVolumes,
  uses: ["describeSnapshots", "createSnapshots"],
});

export const STOP_INSTANCE = defineAction({
  summary: "stops the instance (memory is lost; the volumes are kept); undone by starting it",
  params: PARAMS["stop-instance"],
  target: { type: INSTANCE, id: (p) => p.instanceId },
  calls: (p) => [{ api: "ec2:StopInstances", params: { InstanceIds: [p.instanceId] } }],
  handler: stopInstance,
  uses: [...DESCRIBE, "stopInstances", "startInstances"],
});

export const TAG_RESOURCES = defineAction({
  summary: "tags what containment touched with the case and the plan (kept after rollback as a record)",
  params: PARAMS["tag-resources"],
  target: { type: "resources" },
  calls: (t) => chunk(t.resourceIds, TAG_BATCH).map((ids) => ({ api: "ec2:CreateTags", params: { Resources: ids, Tags: awsTags(t.tags) } })),
  handler: tagResources,
  uses: [...DESCRIBE, "describeNetworkInterfaces", "createTags"],
});
