import { CloudError } from "../cloud/errors.ts";

export interface RetryOptions {
  /** Attempts per step for transient failures (throttled, 5xx), after the port's own retries. Default 3. */
  attempts?: number;
  /** First backoff in ms (doubled each time, with jitter). Default 500. */
  baseMs?: number;
  /** Longest backoff in ms. Default 8000. */
  maxMs?: number;
  /** Injected in tests so backoff costs no time. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected in tests for a deterministic jitter (0..1). */
  random?: () => number;
}

export const isTransient = (err: unknown): boolean => err instanceof CloudError && err.transient;

export function backoffMs(attempt: number, o: RetryOptions): number {
  const base = o.baseMs ?? 500;
  const max = o.maxMs ?? 8000;
  const exp = Math.min(max, base * 2 ** (attempt - 1));
  // "Equal jitter": half the backoff fixed, half random, so steps throttled together do not retry
  // in lockstep against the same token bucket, and each still waits at least half the backoff.
  return Math.round(exp / 2 + (o.random ?? Math.random)() * (exp / 2));
}

export const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
