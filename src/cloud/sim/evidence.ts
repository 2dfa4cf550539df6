/**
 * The simulated account's S3 objects written by `evidence export --s3` (port-evidence.ts): kept per
 * account in memory beside the estate (not in the saved state: a drill's bundle is not carried from
 * one command to the next), each put a new version, as in a bucket with versioning (which Object
 * Lock requires). S3's rules that matter are kept: the bucket must be the account's own, the
 * checksum must match the bytes, a retention date must be in the future.
 */
import { createHash, randomBytes } from "node:crypto";
import { CloudError } from "../errors.ts";
import type { PutObjectInput, PutObjectResult } from "../port-evidence.ts";
import type { AccountState } from "./state.ts";

export interface SimObjectVersion {
  versionId: string;
  body: Uint8Array;
  sha256: string;
  contentType: string | null;
  retention: PutObjectInput["retention"] | null;
  at: string;
}

const objects = new WeakMap<AccountState, Map<string, SimObjectVersion[]>>();

/** Every version of every object put into the account (tests read them). */
export function simObjects(acc: AccountState): Map<string, SimObjectVersion[]> {
  let m = objects.get(acc);
  if (!m) objects.set(acc, (m = new Map()));
  return m;
}

export function simPutObject(acc: AccountState, accountId: string, input: PutObjectInput, now: Date): PutObjectResult {
  const action = "s3:PutObject";
  const b = acc.buckets.get(input.bucket);
  if (!b) throw new CloudError("not-found", `the specified bucket does not exist: ${input.bucket}`, { code: "NoSuchBucket", action, accountId });
  if (!input.key || input.key.length > 1024) throw new CloudError("invalid", "an object key is 1 to 1024 characters", { code: "KeyTooLongError", action, accountId });
  const got = createHash("sha256").update(input.body).digest("hex");
  if (got !== input.sha256.toLowerCase()) throw new CloudError("invalid", `the SHA-256 sent does not match the object's bytes`, { code: "BadDigest", action, accountId });
  if (input.retention) {
    const until = Date.parse(input.retention.retainUntil);
    if (Number.isNaN(until) || until <= now.getTime()) throw new CloudError("invalid", "the retain-until date must be in the future", { code: "InvalidRequest", action: "s3:PutObjectRetention", accountId });
  }
  const versions = simObjects(acc).get(`${input.bucket}/${input.key}`) ?? [];
  const v: SimObjectVersion = {
    versionId: randomBytes(16).toString("hex"),
    body: Uint8Array.from(input.body),
    sha256: got,
    contentType: input.contentType ?? null,
    retention: input.retention ?? null,
    at: now.toISOString(),
  };
  versions.push(v);
  simObjects(acc).set(`${input.bucket}/${input.key}`, versions);
  return { bucket: input.bucket, key: input.key, versionId: v.versionId, etag: `"${createHash("md5").update(input.body).digest("hex")}"`, retention: v.retention };
}
