/**
 * The `readiness:` section of the configuration file (docs/readiness.md):
 *
 *   readiness:
 *     retention:
 *       keepRuns: 366   # each account's newest runs kept
 *       keepDays: 366   # runs recorded longer ago are pruned
 *
 * Both bounds apply on every kept run (`abuse-desk readiness` and the service's daily job), and
 * an account's latest run is always kept (src/case/readiness-runs.ts). Every key is optional.
 */
import { z } from "zod";
import { DEFAULT_READINESS_RETENTION, type ReadinessRetention } from "../case/readiness-runs.ts";
import { parseSection, type ConfigDocument } from "../config/file.ts";

export const readinessSection = z
  .object({
    retention: z
      .object({
        keepRuns: z.number().int().min(2, "at least 2: the trend compares runs").max(100_000).optional(),
        keepDays: z.number().int().min(1).max(36_500).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The retention of kept readiness runs: the file's, over the defaults. A wrong key or value is a configuration error (78) naming it. */
export function readinessRetention(doc: ConfigDocument): ReadinessRetention {
  const s = parseSection(readinessSection, doc, "readiness");
  return { keepRuns: s.retention?.keepRuns ?? DEFAULT_READINESS_RETENTION.keepRuns, keepDays: s.retention?.keepDays ?? DEFAULT_READINESS_RETENTION.keepDays };
}
