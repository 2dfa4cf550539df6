/**
 * The estate's host triage section (per region, `hostTriage:`): what Run Command answers for an
 * instance. Either a scripted scenario (./host-scenarios.ts: scanner, open-proxy-squid,
 * open-proxy-apache, miner, spam-relay, clean) or an output written out; the output's section
 * markers say `NONCE` where the real script prints its per-run nonce (the simulator puts the one it
 * was sent in its place).
 */
import { z } from "zod";

export const HOST_SCENARIOS = ["scanner", "open-proxy-squid", "open-proxy-apache", "miner", "spam-relay", "clean"] as const;
export type HostScenario = (typeof HOST_SCENARIOS)[number];

export const hostTriageSchema = z.array(
  z
    .object({
      instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/, "not an instance id (i- then 8 or 17 hex digits)"),
      scenario: z.enum(HOST_SCENARIOS).optional(),
      /** Written-out output (instead of a scenario). */
      stdout: z.string().optional(),
      stderr: z.string().default(""),
      /** How the script ends on this host. */
      status: z.enum(["Success", "Failed", "TimedOut"]).default("Success"),
      /** GetCommandInvocation answers Pending, then InProgress, this many times before the end. */
      pendingPolls: z.int().min(0).max(20).default(1),
    })
    .strict()
    .refine((h) => (h.scenario === undefined) !== (h.stdout === undefined), { message: "give either scenario or stdout" }),
);
export type HostTriageInput = z.output<typeof hostTriageSchema>[number];
