/** IAM GetInstanceProfile on the adapter: the exact request, the role's ARN read back, NoSuchEntity as null, AccessDenied naming the action. */
import { GetInstanceProfileCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { CloudError } from "../../../src/cloud/errors.ts";
import { awsError, CALLER, mockAws, sent, testPort } from "./helpers.ts";

const aws = mockAws();
afterAll(() => aws.restore());
beforeEach(() => aws.reset());

describe("getInstanceProfile (AWS adapter)", () => {
  it("sends GetInstanceProfile with the name only, and reads the role's ARN", async () => {
    aws.iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: { InstanceProfileName: "payments-web", InstanceProfileId: "AIPA1", Arn: `arn:aws:iam::${CALLER}:instance-profile/payments-web`, Path: "/", CreateDate: new Date(0), Roles: [{ RoleName: "payments-web-role", RoleId: "AROA1", Arn: `arn:aws:iam::${CALLER}:role/app/payments-web-role`, Path: "/app/", CreateDate: new Date(0) }] } });
    expect(await testPort().getInstanceProfile(CALLER, "payments-web")).toEqual({ instanceProfileName: "payments-web", arn: `arn:aws:iam::${CALLER}:instance-profile/payments-web`, path: "/", roles: [{ roleName: "payments-web-role", arn: `arn:aws:iam::${CALLER}:role/app/payments-web-role` }] });
    expect(sent(aws.iam, GetInstanceProfileCommand)).toEqual([{ InstanceProfileName: "payments-web" }]);
  });
  it("NoSuchEntity is null; AccessDenied is access-denied naming iam:GetInstanceProfile", async () => {
    aws.iam.on(GetInstanceProfileCommand).rejects(awsError("NoSuchEntity", "Instance Profile x cannot be found.", 404));
    expect(await testPort().getInstanceProfile(CALLER, "x")).toBeNull();
    aws.iam.on(GetInstanceProfileCommand).rejects(awsError("AccessDenied", "denied", 403));
    const err = await testPort().getInstanceProfile(CALLER, "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect(err).toMatchObject({ kind: "access-denied", action: "iam:GetInstanceProfile" });
  });
});
