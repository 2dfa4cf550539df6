/** openCloud: what `--account` turns into (the spec resolved at the edge: src/config/account.ts). */
import { describe, expect, it } from "vitest";
import { openCloud, SAMPLE_ESTATE } from "../../src/cloud/open.ts";
import { openAccount } from "../../src/config/account.ts";
import { SimAccount } from "../../src/cloud/sim/index.ts";
import { UserError } from "../../src/errors.ts";

describe("openCloud", () => {
  it("sim is the bundled sample estate; sim:PATH an estate file", async () => {
    const sample = await openCloud("sim");
    expect(sample).toBeInstanceOf(SimAccount);
    expect(sample.label).toBe("sim (bundled sample estate)");
    expect(SAMPLE_ESTATE).toMatch(/fixtures\/estates\/sample\.yaml$/);
    const path = new URL("../../fixtures/estates/contract.yaml", import.meta.url).pathname;
    const contract = await openCloud(`sim:${path}`);
    expect(contract.label).toBe(`sim:${path}`);
    expect((await contract.accounts()).map((a) => a.accountId)).toContain("777788889999");
  });

  it("aws is the AWS adapter, with the profile and home region given (nothing is called yet)", async () => {
    const port = await openCloud("aws", { aws: () => ({ profile: "incident", region: "eu-west-1" }) });
    expect(port).not.toBeInstanceOf(SimAccount);
    expect(port.label).toContain("profile incident");
    (port as { close?: () => void }).close?.();
    // as a command opens it: --profile and --region over the environment
    // the configuration is read for aws (a missing file named by ABUSE_DESK_CONFIG is said, not ignored)
    await expect(openAccount("aws", {}, { ABUSE_DESK_CONFIG: "/nonexistent-abuse-desk/config.yaml" })).rejects.toThrow(/no such configuration file/);
    const viaEdge = await openAccount("aws", { profile: "incident", region: "eu-west-1" }, { AWS_PROFILE: "other", ABUSE_DESK_HOME: "/nonexistent-abuse-desk-home" });
    expect(viaEdge.label).toContain("profile incident");
    (viaEdge as { close?: () => void }).close?.();
  });

  it("$ABUSE_DESK_ACCOUNT is read at the edge when no --account is given, and nonsense is refused", async () => {
    expect((await openAccount(undefined, {}, { ABUSE_DESK_ACCOUNT: "sim" })).label).toBe("sim (bundled sample estate)");
    await expect(openAccount(undefined, {}, {})).rejects.toBeInstanceOf(UserError);
    await expect(openAccount(undefined, {}, { ABUSE_DESK_ACCOUNT: "" })).rejects.toThrow(/no cloud account to search/);
    await expect(openCloud("")).rejects.toThrow(/no cloud account to search/);
    await expect(openCloud("sim:")).rejects.toThrow(/estate file is missing/);
    await expect(openCloud("gcp")).rejects.toThrow(/not an account specification/);
  });
});
