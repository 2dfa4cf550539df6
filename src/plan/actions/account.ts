/** Buckets, distributions and access keys: account-wide resources. */
import { z } from "zod";
import type { Bucket } from "../../cloud/model.ts";
import { StepError } from "../errors.ts";
import { keepEvidence, type EvidenceRecord } from "../evidence.ts";
import { defineAction, type Handler, type StepContext } from "../action.ts";

const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "expected an S3 bucket name");
const distributionId = z.string().regex(/^[A-Z0-9]{8,20}$/, "expected a CloudFront distribution id");
const accessKey = z.strictObject({ accessKeyId: z.string().regex(/^A[A-Z0-9]{15,127}$/, "expected an access key id"), userName: z.string().regex(/^[\w+=,.@-]{1,64}$/, "expected an IAM user name") });
const urls = z.array(z.string().max(2048));
const PARAMS = {
  "capture-bucket": z.strictObject({ bucketName, urls }),
  "block-bucket-public-access": z.strictObject({ bucketName }),
  "capture-distribution": z.strictObject({ distributionId, urls }),
  "disable-distribution": z.strictObject({ distributionId }),
  "capture-key-usage": accessKey,
  "deactivate-access-key": accessKey,
};
type ActionParams = { [K in keyof typeof PARAMS]: z.infer<(typeof PARAMS)[K]> };

const BLOCK_ALL = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };

async function bucket(ctx: StepContext<{ bucketName: string }>): Promise<Bucket> {
  const b = await ctx.port.getBucket(ctx.scope.accountId, ctx.params.bucketName);
  if (!b) throw new StepError(`bucket ${ctx.params.bucketName} no longer exists`);
  return b;
}

async function captureJson(ctx: StepContext<unknown>, name: string, source: string, value: unknown): Promise<{ evidence: EvidenceRecord[] }> {
  const rec = await keepEvidence(ctx.evidence, {
    planId: ctx.plan.id,
    stepId: ctx.step.id,
    name,
    contentType: "application/json",
    data: Buffer.from(JSON.stringify(value, null, 2)),
    source,
    capturedAt: ctx.now().toISOString(),
  });
  return { evidence: [rec] };
}

export const captureBucket: Handler<ActionParams["capture-bucket"], null, { evidence: EvidenceRecord[] }> = {
  async observe() {
    return null;
  },
  async run(ctx) {
    const b = await bucket(ctx);
    return { outcome: "done", after: await captureJson(ctx, `${b.name}-bucket.json`, `s3 settings of ${b.name}`, { bucket: b, reportedUrls: ctx.params.urls }) };
  },
  async undo() {
    return { outcome: "kept" };
  },
};

type Pab = NonNullable<Bucket["publicAccessBlock"]>;
const allBlocked = (p: Pab | null) => p !== null && p.blockPublicAcls && p.ignorePublicAcls && p.blockPublicPolicy && p.restrictPublicBuckets;
const samePab = (a: Pab | null, b: Pab | null) => JSON.stringify(a) === JSON.stringify(b);

export const blockBucket: Handler<ActionParams["block-bucket-public-access"], { publicAccessBlock: Pab | null }, { changed: boolean }> = {
  async observe(ctx) {
    const p = (await bucket(ctx)).publicAccessBlock;
    return { publicAccessBlock: p ? { blockPublicAcls: p.blockPublicAcls, ignorePublicAcls: p.ignorePublicAcls, blockPublicPolicy: p.blockPublicPolicy, restrictPublicBuckets: p.restrictPublicBuckets } : null };
  },
  async run(ctx, now) {
    if (allBlocked(now.publicAccessBlock)) return { outcome: "skipped", after: { changed: false } };
    await ctx.port.putPublicAccessBlock(ctx.scope.accountId, ctx.params.bucketName, BLOCK_ALL);
    return { outcome: "done", after: { changed: true } };
  },
  async undo(ctx, before) {
    const now = await this.observe(ctx);
    if (samePab(now.publicAccessBlock, before.publicAccessBlock)) return { outcome: "nothing" };
    if (!allBlocked(now.publicAccessBlock)) {
      // Someone changed the block since the step set it: restoring the old one would undo their change too.
      throw new StepError(
        `the public access block of ${ctx.params.bucketName} is now ${JSON.stringify(now.publicAccessBlock)}, not the full block this plan set: changed by someone since; restore ${JSON.stringify(before.publicAccessBlock)} by hand if that is still right`,
      );
    }
    if (before.publicAccessBlock === null) await ctx.port.deletePublicAccessBlock(ctx.scope.accountId, ctx.params.bucketName);
    else await ctx.port.putPublicAccessBlock(ctx.scope.accountId, ctx.params.bucketName, before.publicAccessBlock);
    return { outcome: "rolled-back" };
  },
};

export const captureDistribution: Handler<ActionParams["capture-distribution"], null, { evidence: EvidenceRecord[] }> = {
  async observe() {
    return null;
  },
  async run(ctx) {
    const d = await ctx.port.getDistribution(ctx.scope.accountId, ctx.params.distributionId);
    if (!d) throw new StepError(`distribution ${ctx.params.distributionId} no longer exists`);
    return { outcome: "done", after: await captureJson(ctx, `${d.id}-distribution.json`, `cloudfront:GetDistribution ${d.id}`, { distribution: d, reportedUrls: ctx.params.urls }) };
  },
  async undo() {
    return { outcome: "kept" };
  },
};

export const disableDistribution: Handler<ActionParams["disable-distribution"], { enabled: boolean }, { changed: boolean }> = {
  async observe(ctx) {
    const d = await ctx.port.getDistribution(ctx.scope.accountId, ctx.params.distributionId);
    if (!d) throw new StepError(`distribution ${ctx.params.distributionId} no longer exists`);
    return { enabled: d.enabled };
  },
  async run(ctx, now) {
    if (!now.enabled) return { outcome: "skipped", after: { changed: false } };
    await ctx.port.setDistributionEnabled(ctx.scope.accountId, ctx.params.distributionId, false);
    return { outcome: "done", after: { changed: true } };
  },
  async undo(ctx, before) {
    const now = await this.observe(ctx);
    if (now.enabled === before.enabled) return { outcome: "nothing" };
    await ctx.port.setDistributionEnabled(ctx.scope.accountId, ctx.params.distributionId, before.enabled);
    return { outcome: "rolled-back" };
  },
};

async function key(ctx: StepContext<{ accessKeyId: string }>) {
  const k = await ctx.port.findAccessKey(ctx.scope.accountId, ctx.params.accessKeyId);
  if (!k) throw new StepError(`access key ${ctx.params.accessKeyId} no longer exists in ${ctx.scope.accountId}`);
  return k;
}

export const captureKeyUsage: Handler<ActionParams["capture-key-usage"], null, { evidence: EvidenceRecord[]; lastUsed: unknown }> = {
  async observe() {
    return null;
  },
  async run(ctx) {
    const k = await key(ctx);
    const ev = await captureJson(ctx, `${k.accessKeyId}-last-used.json`, `iam:GetAccessKeyLastUsed ${k.accessKeyId}`, k);
    return { outcome: "done", after: { ...ev, lastUsed: k.lastUsed ?? null } };
  },
  async undo() {
    return { outcome: "kept" };
  },
};

export const deactivateKey: Handler<ActionParams["deactivate-access-key"], { status: "Active" | "Inactive" }, { changed: boolean }> = {
  async observe(ctx) {
    return { status: (await key(ctx)).status };
  },
  async run(ctx, now) {
    if (now.status === "Inactive") return { outcome: "skipped", after: { changed: false } };
    await ctx.port.setAccessKeyStatus(ctx.scope.accountId, ctx.params.userName, ctx.params.accessKeyId, "Inactive");
    return { outcome: "done", after: { changed: true } };
  },
  async undo(ctx, before) {
    const now = await this.observe(ctx);
    if (now.status === before.status) return { outcome: "nothing" };
    await ctx.port.setAccessKeyStatus(ctx.scope.accountId, ctx.params.userName, ctx.params.accessKeyId, before.status);
    return { outcome: "rolled-back" };
  },
};

export const CAPTURE_BUCKET = defineAction({
  summary: "keeps the bucket's settings (location, public access block, tags) and the reported URLs as evidence (reads only)",
  params: PARAMS["capture-bucket"],
  target: { type: "s3-bucket", id: (p) => p.bucketName },
  calls: (b, ctx) => {
    const bucket = { Bucket: b.bucketName, ExpectedBucketOwner: ctx.accountId };
    return [
      { api: "s3:GetBucketLocation", params: bucket },
      { api: "s3:GetBucketPublicAccessBlock", params: bucket },
      { api: "s3:GetBucketTagging", params: bucket },
    ];
  },
  handler: captureBucket,
  uses: ["getBucket"],
  readOnly: true,
});

export const BLOCK_BUCKET_PUBLIC_ACCESS = defineAction({
  summary: "turns on all four S3 public access block settings of the bucket (the previous block comes back on rollback)",
  params: PARAMS["block-bucket-public-access"],
  target: { type: "s3-bucket", id: (p) => p.bucketName },
  calls: (b, ctx) => [
    {
      api: "s3:PutBucketPublicAccessBlock",
      // A bucket of the same name in another account (deleted and re-created) is refused, not changed.
      params: {
        Bucket: b.bucketName,
        ExpectedBucketOwner: ctx.accountId,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      },
    },
  ],
  handler: blockBucket,
  uses: ["getBucket", "putPublicAccessBlock", "deletePublicAccessBlock"],
});

export const CAPTURE_DISTRIBUTION = defineAction({
  summary: "keeps the distribution's configuration and the reported URLs as evidence (reads only)",
  params: PARAMS["capture-distribution"],
  target: { type: "cloudfront-distribution", id: (p) => p.distributionId },
  calls: (d) => [{ api: "cloudfront:GetDistribution", params: { Id: d.distributionId } }],
  handler: captureDistribution,
  uses: ["getDistribution"],
  readOnly: true,
});

export const DISABLE_DISTRIBUTION = defineAction({
  summary: "disables the CloudFront distribution (enabled again on rollback)",
  params: PARAMS["disable-distribution"],
  target: { type: "cloudfront-distribution", id: (p) => p.distributionId },
  calls: ({ distributionId: id }) => [
    { api: "cloudfront:GetDistributionConfig", params: { Id: id } },
    { api: "cloudfront:UpdateDistribution", params: { Id: id, IfMatch: "<ETag from GetDistributionConfig>", DistributionConfig: { "...": "as read", Enabled: false } } },
  ],
  handler: disableDistribution,
  uses: ["getDistribution", "setDistributionEnabled"],
});

export const CAPTURE_KEY_USAGE = defineAction({
  summary: "keeps when and where the access key was last used as evidence (reads only)",
  params: PARAMS["capture-key-usage"],
  target: { type: "access-key", id: (p) => p.accessKeyId },
  calls: (k) => [
    { api: "iam:ListAccessKeys", params: { UserName: k.userName } },
    { api: "iam:GetAccessKeyLastUsed", params: { AccessKeyId: k.accessKeyId } },
  ],
  handler: captureKeyUsage,
  uses: ["findAccessKey"],
  readOnly: true,
});

export const DEACTIVATE_ACCESS_KEY = defineAction({
  summary: "makes the access key Inactive (never deleted; Active again on rollback)",
  params: PARAMS["deactivate-access-key"],
  target: { type: "access-key", id: (p) => p.accessKeyId },
  calls: (k) => [{ api: "iam:UpdateAccessKey", params: { UserName: k.userName, AccessKeyId: k.accessKeyId, Status: "Inactive" } }],
  handler: deactivateKey,
  uses: ["findAccessKey", "setAccessKeyStatus"],
});
