/**
 * A failure inside the fast DKIM path is a bug in it, not a verdict: mailauth's dkimVerify, the
 * reference, answers instead, and the notice is judged as if the fast path did not exist.
 */
import { describe, expect, it, vi } from "vitest";
import type * as DkimFast from "../../src/verify/dkim-fast.ts";
import { verify } from "../../src/verify/index.ts";
import { awsSign, emailItem, message, NOW, zone } from "./helpers.ts";

vi.mock("../../src/verify/dkim-fast.ts", async (importOriginal) => {
  const real = await importOriginal<typeof DkimFast>();
  return {
    ...real,
    dkimVerifyFast: async (raw: Buffer, opts: Parameters<typeof real.dkimVerifyFast>[1]) => {
      if (raw.includes("fast-path-explodes")) throw new Error("fast path exploded");
      return real.dkimVerifyFast(raw, opts);
    },
  };
});

describe("fast DKIM path failing", () => {
  it("falls back to mailauth: the same verdict and reasons as mailauth alone", async () => {
    const item = emailItem(await awsSign(message({ subject: "fast-path-explodes" })));
    const a = await verify(item, { resolver: zone().resolve, now: NOW });
    const b = await verify(item, { resolver: zone().resolve, now: NOW, dkim: "mailauth" });
    expect(a.verdict).toBe("authentic");
    expect(a).toEqual(b);
    expect(a.reasons.map((r) => r.code)).not.toContain("auth.error");
  });
});
