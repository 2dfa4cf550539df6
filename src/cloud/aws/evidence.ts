/**
 * S3 PutObject with Object Lock retention, for evidence bundles (port-evidence.ts). The call goes to
 * the bucket's own region, names the expected bucket owner (a bucket of the same name in another
 * account is never written), and sends the SHA-256 (S3 refuses bytes that do not match it).
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { CloudError } from "../errors.ts";
import { EVIDENCE_PUT_MAX_BYTES, type PutObjectInput, type PutObjectResult } from "../port-evidence.ts";
import { bucketRegion, type BucketRegions } from "./s3.ts";
import type { Ctx } from "./session.ts";

export async function putEvidenceObject(ctx: Ctx, accountId: string, input: PutObjectInput, cache: BucketRegions): Promise<PutObjectResult> {
  if (input.body.length > EVIDENCE_PUT_MAX_BYTES) {
    throw new CloudError("invalid", `the object is ${input.body.length} bytes, more than the ${EVIDENCE_PUT_MAX_BYTES} put at once`, { action: "s3:PutObject", accountId });
  }
  if (!/^[0-9a-f]{64}$/i.test(input.sha256)) throw new CloudError("invalid", "the SHA-256 of the object must be 64 hex digits", { action: "s3:PutObject", accountId });
  const region = await bucketRegion(ctx, accountId, input.bucket, cache);
  const out = await ctx.session.run("s3.PutObject", { accountId, region, purpose: ctx.purpose }, (s3) =>
    s3.send(
      new PutObjectCommand({
        Bucket: input.bucket,
        Key: input.key,
        Body: input.body,
        ContentLength: input.body.length,
        ChecksumSHA256: Buffer.from(input.sha256, "hex").toString("base64"),
        ExpectedBucketOwner: accountId,
        ...(input.contentType ? { ContentType: input.contentType } : {}),
        ...(input.retention ? { ObjectLockMode: input.retention.mode, ObjectLockRetainUntilDate: new Date(input.retention.retainUntil) } : {}),
      }),
    ),
  );
  return { bucket: input.bucket, key: input.key, versionId: out.VersionId ?? null, etag: out.ETag ?? null, retention: input.retention ?? null };
}
