/**
 * A problem is said once, not once per region: the regions of an account that could not be read
 * for the same reason (a credential problem fails them all alike) are one line of the error
 * `resolve`, `intake`, `plan` and `apply` end with, of the report and of the timeline sentence.
 */
import { describe, expect, it } from "vitest";
import { errorStatus } from "../../src/cli/main.ts";
import { groupMissing, missingLines, missingSentence, notSearchedError } from "../../src/resolve/outcome.ts";
import type { Unsearched } from "../../src/resolve/types.ts";

const REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1", "ap-southeast-1"];
const noCreds = (region: string): Unsearched => ({ accountId: "111122223333", region, reason: "no AWS credentials were found", fix: "configure credentials (aws configure, or AWS_PROFILE)", cause: "no-credentials" });

describe("a problem said once", () => {
  it("the same credential problem in every region is one line, naming how many regions", () => {
    const lines = missingLines(REGIONS.map(noCreds));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe("111122223333 in 8 regions (us-east-1, us-east-2, us-west-1, us-west-2, eu-west-1 and 3 more): no AWS credentials were found; fix: configure credentials (aws configure, or AWS_PROFILE)");
    const err = errorStatus(notSearchedError(REGIONS.map(noCreds), "resolve"));
    expect(err.status).toBe(69);
    expect(err.message!.match(/no AWS credentials were found/g)).toHaveLength(1);
  });

  it("a reason that names its region is grouped with the region taken out", () => {
    const denied = (region: string): Unsearched => ({ accountId: "111122223333", region, reason: `access denied: ec2:DescribeInstances in ${region}`, fix: `grant ec2:DescribeInstances in ${region}`, cause: "access-denied" });
    expect(groupMissing(["eu-west-1", "us-east-1"].map(denied))).toEqual([{ accountId: "111122223333", regions: ["eu-west-1", "us-east-1"], reason: "access denied: ec2:DescribeInstances in each region", fix: "grant ec2:DescribeInstances in each region" }]);
    expect(missingLines([denied("eu-west-1")])).toEqual(["111122223333/eu-west-1: access denied: ec2:DescribeInstances in eu-west-1; fix: grant ec2:DescribeInstances in eu-west-1"]);
  });

  it("different problems, different accounts and account-wide gaps stay apart", () => {
    const other = { ...noCreds("eu-west-1"), accountId: "444455556666" };
    const throttled: Unsearched = { accountId: "111122223333", region: "eu-west-1", reason: "the endpoint did not answer", cause: "unavailable" };
    const wide: Unsearched = { accountId: "111122223333", reason: "no AWS credentials were found", cause: "no-credentials", fix: "configure credentials (aws configure, or AWS_PROFILE)" };
    const lines = missingLines([noCreds("us-east-1"), noCreds("eu-west-1"), other, throttled, wide]);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^111122223333 in 2 regions \(us-east-1, eu-west-1\)/);
    expect(missingSentence([noCreds("us-east-1"), noCreds("eu-west-1")])).toBe("not searched: 111122223333 in 2 regions (us-east-1, eu-west-1) (no AWS credentials were found)");
  });
});
