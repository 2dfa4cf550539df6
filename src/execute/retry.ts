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

const isTransient = (err: unknown): boolean => err instanceof CloudError && err.transient;

function backoffMs(attempt: number, o: RetryOptions): number {
  const base = o.baseMs ?? 500;
  const max = o.maxMs ?? 8000;
  const exp = Math.min(max, base * 2 ** (attempt - 1));
  // "Equal jitter": half the backoff fixed, half random, so steps throttled together do not retry
  // in lockstep against the same token bucket, and each still waits at least half the backoff.
  return Math.round(exp / 2 + (o.random ?? Math.random)() * (exp / 2));
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How a retried call ended, and after how many attempts. */
type Attempted<T> = { ok: true; value: T; attempts: number } | { ok: false; error: unknown; attempts: number };

/**
 * Runs `fn` (given the attempt number, from 1) until it succeeds, fails for good, or has used its
 * attempts: transient failures are retried after a backoff, `onRetry` told first (the error, the
 * next attempt, the attempts in all, the wait). Never throws: a failure is returned with its count.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  o: RetryOptions = {},
  onRetry?: (err: unknown, next: number, maxAttempts: number, waitMs: number) => void,
): Promise<Attempted<T>> {
  const maxAttempts = Math.max(1, o.attempts ?? 3);
  const sleep = o.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await fn(attempt), attempts: attempt };
    } catch (error) {
      if (!isTransient(error) || attempt >= maxAttempts) return { ok: false, error, attempts: attempt };
      const wait = backoffMs(attempt, o);
      onRetry?.(error, attempt + 1, maxAttempts, wait);
      await sleep(wait);
    }
  }
}
