/**
 * The adapter's GetAccessKeyInfo for a temporary key (ASIA...): exactly one request, with the key
 * id as given, and STS's account returned as it is (the role's account for an AssumeRole's key);
 * the sweep (src/credentials/sweep.ts) then searches only that account's regions for the
 * AssumeRole that issued it.
 */
import { GetAccessKeyInfoCommand } from "@aws-sdk/client-sts";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { mockAws, OTHER, sent, testPort } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());

describe("STS GetAccessKeyInfo of an ASIA key", () => {
  it("sends exactly the key id and returns the account STS names", async () => {
    aws.sts.on(GetAccessKeyInfoCommand).resolves({ Account: OTHER });
    expect(await testPort().accessKeyAccount("ASIAEXPOSEDSESSION01")).toBe(OTHER);
    expect(sent(aws.sts, GetAccessKeyInfoCommand)).toEqual([{ AccessKeyId: "ASIAEXPOSEDSESSION01" }]);
  });

  it("never sends what is not a key id", async () => {
    expect(await testPort().accessKeyAccount("ASIA-EXPOSED")).toBeNull();
    expect(aws.sts).not.toHaveReceivedAnyCommand();
  });
});
