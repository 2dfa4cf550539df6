/**
 * The simulated S3 bucket calls: a bucket's record, its Block Public Access, and PutObject with
 * Object Lock retention (./evidence.ts) whose object listObjects/getObject then read (./logs.ts).
 */
import type { PutObjectInput, PutObjectResult } from "../port-evidence.ts";
import type { Bucket } from "../model.ts";
import { notFound, type SimCore } from "./core.ts";
import { simPutObject } from "./evidence.ts";
import { putObject as putS3Object } from "./logs.ts";

export function getBucket(api: SimCore, accountId: string, bucketName: string): Bucket | null {
  const b = api.account(accountId, "s3:GetBucketLocation").buckets.get(bucketName);
  return b ? structuredClone(b) : null;
}

export function putPublicAccessBlock(api: SimCore, accountId: string, bucketName: string, block: NonNullable<Bucket["publicAccessBlock"]>): void {
  const action = "s3:PutBucketPublicAccessBlock";
  const b = api.account(accountId, action).buckets.get(bucketName);
  if (!b) throw notFound("NoSuchBucket", `the specified bucket does not exist: ${bucketName}`, action, { accountId });
  b.publicAccessBlock = { blockPublicAcls: block.blockPublicAcls, ignorePublicAcls: block.ignorePublicAcls, blockPublicPolicy: block.blockPublicPolicy, restrictPublicBuckets: block.restrictPublicBuckets };
  api.log(api.globalTrail(accountId, b.region), "PutBucketPublicAccessBlock", { bucketName, PublicAccessBlockConfiguration: block }, null, [{ type: "AWS::S3::Bucket", name: bucketName }]);
}

export function deletePublicAccessBlock(api: SimCore, accountId: string, bucketName: string): void {
  const action = "s3:PutBucketPublicAccessBlock";
  const b = api.account(accountId, action).buckets.get(bucketName);
  if (!b) throw notFound("NoSuchBucket", `the specified bucket does not exist: ${bucketName}`, action, { accountId });
  delete b.publicAccessBlock;
  api.log(api.globalTrail(accountId, b.region), "DeleteBucketPublicAccessBlock", { bucketName }, null, [{ type: "AWS::S3::Bucket", name: bucketName }]);
}

/** PutObject with Object Lock retention (evidence bundles): sim/evidence.ts. */
export function putObject(api: SimCore, accountId: string, input: PutObjectInput): PutObjectResult {
  const acc = api.account(accountId, "s3:PutObject");
  const out = simPutObject(acc, accountId, input, api.now());
  const b = acc.buckets.get(input.bucket)!;
  // One S3 per account: what was put is what listObjects/getObject read back (the versions and retention stay in evidence.ts).
  putS3Object(api.state, accountId, input.bucket, input.key, input.body, { lastModified: api.now().toISOString() });
  api.log(api.globalTrail(accountId, b.region), "PutObject", { bucketName: input.bucket, key: input.key, "x-amz-object-lock-mode": input.retention?.mode, "x-amz-object-lock-retain-until-date": input.retention?.retainUntil }, null, [{ type: "AWS::S3::Object", name: `${input.bucket}/${input.key}` }]);
  return out;
}
