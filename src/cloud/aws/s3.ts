/**
 * S3: a bucket of this account (its region, public access block, tags), and blocking or restoring
 * public access. Every call carries ExpectedBucketOwner, so a bucket of the same name in someone
 * else's account is never read or changed by mistake. Calls go to the bucket's own region.
 */
import {
  DeletePublicAccessBlockCommand,
  GetBucketLocationCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  paginateListBuckets,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { CloudError } from "../errors.ts";
import type { Bucket, Tags } from "../model.ts";
import { tagsOf } from "./convert.ts";
import { allPages, type Ctx } from "./session.ts";


/** Bucket name -> region, per account, learnt once. */
export type BucketRegions = Map<string, string>;

/** GetBucketLocation's LocationConstraint: empty means us-east-1, "EU" is the old name of eu-west-1. */
export function regionOfLocation(constraint: string | undefined | null): string {
  if (!constraint) return "us-east-1";
  if (constraint === "EU") return "eu-west-1";
  return constraint;
}

export async function bucketRegion(ctx: Ctx, accountId: string, bucket: string, cache: BucketRegions, hint?: string): Promise<string> {
  const key = `${accountId}/${bucket}`;
  const known = cache.get(key) ?? hint;
  if (known) {
    cache.set(key, known);
    return known;
  }
  const home = await ctx.session.homeRegion();
  const out = await ctx.session.run("s3.GetBucketLocation", { accountId, region: home, purpose: ctx.purpose }, (s3) =>
    s3.send(new GetBucketLocationCommand({ Bucket: bucket, ExpectedBucketOwner: accountId })),
  );
  const region = regionOfLocation(out.LocationConstraint);
  cache.set(key, region);
  return region;
}

/** Runs `fn`, answering `fallback` when AWS says the thing is not configured (S3's NoSuch... codes). */
async function unlessMissing<T>(codes: string[], fallback: T, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CloudError && err.code !== undefined && codes.includes(err.code)) return fallback;
    throw err;
  }
}

export async function getBucket(ctx: Ctx, accountId: string, name: string, cache: BucketRegions): Promise<Bucket | null> {
  const home = await ctx.session.homeRegion();
  // ListBuckets answers "is it ours?" for certain: a bucket of another account is simply not listed
  // (HeadBucket would say 403 for both "not yours" and "not allowed").
  const pages = await ctx.session.run("s3.ListBuckets", { accountId, region: home, purpose: ctx.purpose }, (s3) => allPages(paginateListBuckets, s3, { Prefix: name }));
  const listed = pages.flatMap((p) => p.Buckets ?? []).find((b) => b.Name === name);
  if (!listed) return null;
  const region = await bucketRegion(ctx, accountId, name, cache, listed.BucketRegion);
  const where = { accountId, region, purpose: ctx.purpose };
  const [pab, tags] = await Promise.all([
    unlessMissing(["NoSuchPublicAccessBlockConfiguration"], undefined, async () => {
      const out = await ctx.session.run("s3.GetPublicAccessBlock", where, (s3) => s3.send(new GetPublicAccessBlockCommand({ Bucket: name, ExpectedBucketOwner: accountId })));
      const c = out.PublicAccessBlockConfiguration;
      return c
        ? {
            blockPublicAcls: c.BlockPublicAcls ?? false,
            ignorePublicAcls: c.IgnorePublicAcls ?? false,
            blockPublicPolicy: c.BlockPublicPolicy ?? false,
            restrictPublicBuckets: c.RestrictPublicBuckets ?? false,
          }
        : undefined;
    }),
    unlessMissing<Tags>(["NoSuchTagSet", "NoSuchTagSetError"], {}, async () => {
      const out = await ctx.session.run("s3.GetBucketTagging", where, (s3) => s3.send(new GetBucketTaggingCommand({ Bucket: name, ExpectedBucketOwner: accountId })));
      return tagsOf(out.TagSet);
    }),
  ]);
  return { name, region, ...(pab ? { publicAccessBlock: pab } : {}), tags };
}

export async function putPublicAccessBlock(ctx: Ctx, accountId: string, bucket: string, block: NonNullable<Bucket["publicAccessBlock"]>, cache: BucketRegions): Promise<void> {
  const region = await bucketRegion(ctx, accountId, bucket, cache);
  await ctx.session.run("s3.PutPublicAccessBlock", { accountId, region, purpose: ctx.purpose }, (s3) =>
    s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        ExpectedBucketOwner: accountId,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: block.blockPublicAcls,
          IgnorePublicAcls: block.ignorePublicAcls,
          BlockPublicPolicy: block.blockPublicPolicy,
          RestrictPublicBuckets: block.restrictPublicBuckets,
        },
      }),
    ),
  );
}

export async function deletePublicAccessBlock(ctx: Ctx, accountId: string, bucket: string, cache: BucketRegions): Promise<void> {
  const region = await bucketRegion(ctx, accountId, bucket, cache);
  await ctx.session.run("s3.DeletePublicAccessBlock", { accountId, region, purpose: ctx.purpose }, (s3) =>
    s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket, ExpectedBucketOwner: accountId })),
  );
}
