/**
 * `evidence export --s3` on AWS into a bucket the containment role may not write (outside
 * abuse-desk-evidence-*, the StackSet's EvidenceBucketName): the adapter's AccessDenied becomes a
 * sentence naming the parameter, exit 77; a denial inside the pattern says the bucket refused it.
 */
import { GetBucketLocationCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { evidencePutDenied, EVIDENCE_BUCKET_PATTERN } from "../../../src/cli/evidence.ts";
import { CloudError } from "../../../src/cloud/errors.ts";
import { UserError } from "../../../src/errors.ts";
import { awsError, CALLER, mockAws, sent, testPort } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => {
  aws.reset();
  aws.s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: "eu-west-1" });
  aws.s3.on(PutObjectCommand).rejects(awsError("AccessDenied", "Access Denied", 403));
});

const body = new TextEncoder().encode("bundle");
const put = (bucket: string) => testPort().putObject(CALLER, { bucket, key: "abuse/AD-2026-0001/evidence.tar.gz", body, sha256: "0".repeat(64), contentType: "application/gzip" });

describe("an evidence bundle put into a bucket the containment role may not write", () => {
  it("outside abuse-desk-evidence-*: AccessDenied said as the EvidenceBucketName parameter, exit 77", async () => {
    const err = await put("payments-invoices-prod").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect((err as CloudError).kind).toBe("access-denied");
    // the request the adapter sent: the bucket named, the owner expected
    expect(sent(aws.s3, PutObjectCommand)[0]).toMatchObject({ Bucket: "payments-invoices-prod", Key: "abuse/AD-2026-0001/evidence.tar.gz", ExpectedBucketOwner: CALLER });
    const said = evidencePutDenied(err, "payments-invoices-prod")!;
    expect(said).toBeInstanceOf(UserError);
    expect(said.exitCode).toBe(77);
    expect(said.message).toContain("AccessDenied");
    expect(said.message).toContain("EvidenceBucketName");
    expect(said.message).toContain("abuse-desk-evidence-*");
    expect(said.message).toContain("s3://payments-invoices-prod is not one");
    expect(said.hint).toContain("EvidenceBucketName=payments-invoices-prod");
  });

  it("inside the pattern: the bucket refused it (its policy, or a role deployed with another bucket)", async () => {
    const err = await put("abuse-desk-evidence-prod").catch((e: unknown) => e);
    const said = evidencePutDenied(err, "abuse-desk-evidence-prod")!;
    expect(said.message).toContain("s3://abuse-desk-evidence-prod refused the evidence bundle");
    expect(said.hint).toContain("EvidenceBucketName");
  });

  it("any other error is left as it is", () => {
    expect(evidencePutDenied(new CloudError("not-found", "no bucket", { code: "NoSuchBucket" }), "x-bucket")).toBeNull();
    expect(evidencePutDenied(new Error("boom"), "x-bucket")).toBeNull();
    expect(EVIDENCE_BUCKET_PATTERN.test("abuse-desk-evidence-")).toBe(false);
  });
});
