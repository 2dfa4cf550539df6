import { describe, expect, it } from "vitest";
import { parseTrailRef } from "../../src/cloud/port-trail.ts";

describe("parseTrailRef: CloudTrail's name and ARN grammar (names from events are the attacker's text)", () => {
  it("accepts names and trail ARNs", () => {
    expect(parseTrailRef("regional")).toEqual({ name: "regional" });
    expect(parseTrailRef("My.trail_1-a")).toEqual({ name: "My.trail_1-a" });
    expect(parseTrailRef("arn:aws:cloudtrail:eu-west-1:210987654321:trail/regional")).toEqual({ name: "regional", arn: { region: "eu-west-1", accountId: "210987654321" } });
    expect(parseTrailRef("arn:aws-us-gov:cloudtrail:us-gov-west-1:210987654321:trail/gov")?.arn?.region).toBe("us-gov-west-1");
  });
  it("refuses everything else", () => {
    for (const bad of ["", "ab", "-lead", "trail-", "a--b", "a._b", "x".repeat(129), "name with space", "trail;rm", "trail\n", "../etc", "arn:aws:cloudtrail:eu-west-1:2109876543:trail/x1y", "arn:aws:s3:::bucket", "arn:aws:cloudtrail:eu-west-1:210987654321:trail/a b", "arn:aws:cloudtrail:eu-west-1:210987654321:trail/ok\u0000"])
      expect(parseTrailRef(bad), JSON.stringify(bad)).toBeNull();
  });
});
