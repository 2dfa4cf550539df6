/**
 * What the two AWS intake sources (Health poller, EventBridge -> SQS consumer) share: the SDK
 * client configuration (the standard credential chain, adaptive retries, an endpoint override for
 * emulators), an AWS failure said in words without secrets, the back-off between failed rounds,
 * and the bookkeeping behind `health()`.
 */
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { z } from "zod";
import { errorCode, NETWORK } from "../cloud/aws/errors.ts";
import { UserError } from "../errors.ts";

export type CredentialProvider = ReturnType<typeof fromNodeProviderChain>;

/** What the service hands an AWS source besides its own configuration section. */
export interface AwsSourceDeps {
  /** Base credentials; the default is the SDK's node provider chain (for `profile`). Tests inject static ones. */
  credentials?: CredentialProvider;
  /** The clock (ISO times in health(), the first cursor). */
  now?: () => Date;
  /** Waits `ms` or until `signal` aborts; injectable so tests never wait on a timer. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Where a source says what went wrong (pino in the service). Never given secrets. */
  log?: { warn(obj: object, msg?: string): void };
  /** The largest arrival the sink keeps, in bytes: the source keeps its arrivals under it. */
  maxBytes?: number;
}

/**
 * The sink refused the arrival itself (too large, unusable: the store's ArrivalRefused, a
 * UserError) rather than failing to keep it (the store is down): offering it again will not help.
 */
export function isRefusal(err: unknown): boolean {
  return err instanceof UserError;
}

// the intake registry's rule for every source's name (src/intake/registry.ts)
export const sourceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "a source name is letters, digits, '.', '_' or '-' (at most 64)");
export const endpointUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/@]+(?:\/[^\s@]*)?$/, "an endpoint is an http:// or https:// URL without credentials in it");
export const regionCode = z.string().regex(/^[a-z]{2,4}(-[a-z]+){1,3}-\d+$/, "not a region code (us-east-1, eu-west-1...)");

export function clientConfig(o: { region: string; endpoint?: string | undefined; profile?: string | undefined; maxAttempts?: number | undefined; credentials?: CredentialProvider | undefined }): Record<string, unknown> {
  const config: Record<string, unknown> = {
    region: o.region,
    credentials: o.credentials ?? fromNodeProviderChain(o.profile ? { profile: o.profile } : {}),
    retryMode: "adaptive",
    maxAttempts: o.maxAttempts ?? 3,
  };
  if (o.profile) config.profile = o.profile;
  if (o.endpoint) config.endpoint = o.endpoint;
  return config;
}

type SdkErrorShape = { code?: string; message?: string; $fault?: "client" | "server"; $metadata?: { httpStatusCode?: number } };

/** A failure worth trying elsewhere or later: the network, a 5xx, no answer. */
export function isUnavailable(err: unknown): boolean {
  const e = (typeof err === "object" && err !== null ? err : {}) as SdkErrorShape;
  const code = errorCode(err) ?? "";
  if (NETWORK.has(code) || NETWORK.has(e.code ?? "")) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return e.$fault === "server";
}

/** Removes what must never reach a log or a page: URL credentials, AWS secret-looking strings, signatures. */
export function scrub(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, "$1***@")
    .replace(/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, "AKIA****************")
    .replace(/(Signature|X-Amz-Signature|X-Amz-Security-Token|Credential)=[^\s&,]+/gi, "$1=***")
    .slice(0, 500);
}

/** "sqs:DeleteMessage failed: AccessDenied (...)": the operation, AWS's code, its message, scrubbed. */
export function inWords(action: string, err: unknown): string {
  const code = errorCode(err);
  const msg = typeof err === "object" && err !== null && typeof (err as SdkErrorShape).message === "string" ? (err as SdkErrorShape).message! : String(err);
  const hint = /AccessDenied|UnauthorizedOperation|not authorized/i.test(`${code} ${msg}`) ? ` (allow ${action} for the identity abuse-desk runs as: docs/iam/read-only-policy.json)` : "";
  return scrub(`${action} failed: ${code && code !== "Error" ? `${code}: ` : ""}${msg}${hint}`);
}

/** Seconds to wait after `failures` failed rounds in a row: 1, 2, 4 ... capped at 300. */
export function backoffMs(failures: number): number {
  return Math.min(300, 2 ** Math.max(0, failures - 1)) * 1000;
}

