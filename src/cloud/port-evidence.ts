/**
 * Writing evidence where it cannot be changed: an object put into an S3 bucket with Object Lock
 * retention (`abuse-desk evidence export CASE --s3 s3://bucket/prefix --retain-days N`). The bucket
 * must have Object Lock enabled (S3 refuses the retention otherwise, and that is said). Every call
 * names the expected bucket owner, so a bucket of the same name in another account is never
 * written; S3 checks the SHA-256 it is given against the bytes it receives.
 */
export interface PutObjectInput {
  bucket: string;
  key: string;
  /** The bytes (a bundle is bounded before it is put: EVIDENCE_PUT_MAX_BYTES). */
  body: Uint8Array;
  /** SHA-256 of `body`, hex: sent as x-amz-checksum-sha256, so S3 refuses bytes that differ. */
  sha256: string;
  contentType?: string;
  /** Object Lock retention: GOVERNANCE (lifted only with s3:BypassGovernanceRetention) or COMPLIANCE (by nobody, root included, until the date). */
  retention?: { mode: "GOVERNANCE" | "COMPLIANCE"; retainUntil: string };
}

export interface PutObjectResult {
  bucket: string;
  key: string;
  versionId: string | null;
  etag: string | null;
  retention: PutObjectInput["retention"] | null;
}

/** The largest object put in one PutObject (S3 allows 5 GiB; the desk holds the body in memory). */
export const EVIDENCE_PUT_MAX_BYTES = 512 * 1024 * 1024;

export interface EvidenceWriter {
  putObject(accountId: string, input: PutObjectInput): Promise<PutObjectResult>;
}
