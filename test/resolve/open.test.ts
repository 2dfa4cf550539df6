/** openCloud: what `--account` turns into. */
import { describe, expect, it } from "vitest";
import { openCloud, SAMPLE_ESTATE } from "../../src/cloud/open.ts";
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
    const port = await openCloud("aws", { profile: "incident", region: "eu-west-1" });
    expect(port).not.toBeInstanceOf(SimAccount);
    expect(port.label).toContain("profile incident");
    (port as { close?: () => void }).close?.();
  });

  it("reads $ABUSE_DESK_ACCOUNT when no --account is given, and refuses nonsense", async () => {
    const saved = process.env.ABUSE_DESK_ACCOUNT;
    try {
      process.env.ABUSE_DESK_ACCOUNT = "sim";
      expect((await openCloud(undefined)).label).toBe("sim (bundled sample estate)");
      delete process.env.ABUSE_DESK_ACCOUNT;
      await expect(openCloud(undefined)).rejects.toBeInstanceOf(UserError);
      await expect(openCloud("sim:")).rejects.toThrow(/estate file is missing/);
      await expect(openCloud("gcp")).rejects.toThrow(/not an account specification/);
    } finally {
      if (saved === undefined) delete process.env.ABUSE_DESK_ACCOUNT;
      else process.env.ABUSE_DESK_ACCOUNT = saved;
    }
  });
});
