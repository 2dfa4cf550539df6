/**
 * S3 Control's endpoints carry the account: the SDK's endpoint rules put the request's AccountId in
 * front of the host, `{AccountId}.s3-control.{region}.amazonaws.com`, and do the same to an endpoint
 * override (`http://localhost:4566` becomes `http://111122223333.localhost:4566`; the SDKs' "host
 * prefix injection", docs.aws.amazon.com/sdkref/latest/guide/feature-host-prefix.html). Turning the
 * host prefix off (`disableHostPrefix`) does not change it for S3 Control: it comes from the
 * endpoint rules, not the operation's host-prefix trait. Two consequences for an emulator:
 * - an override given as an IP address cannot take the prefix (the SDK fails to build the URL), so
 *   it is refused here with a sentence saying to use a host name;
 * - `<account>.localhost` is a loopback name (RFC 6761 section 6.3) that the C library often does
 *   not resolve (glibc without nss-myhostname), so for an override on `localhost` the client is
 *   given an agent that resolves `*.localhost` to the loopback address itself.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from "node:dns";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { isIP } from "node:net";
import { CloudError } from "../errors.ts";

const LOCALHOST = /(^|\.)localhost\.?$/i;

/** The endpoint override's host, or undefined when the text is not a URL. */
function hostOf(endpoint: string): string | undefined {
  try {
    return new URL(endpoint).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return undefined;
  }
}

/** Why this S3 Control endpoint override cannot work, or undefined when it can. */
export function s3ControlEndpointProblem(endpoint: string, accountId: string): CloudError | undefined {
  const host = hostOf(endpoint);
  if (host === undefined) return new CloudError("invalid", `The S3 Control endpoint override ${JSON.stringify(endpoint)} is not a URL.`, { accountId, action: "s3:GetAccountPublicAccessBlock", code: "InvalidEndpoint" });
  if (isIP(host) === 0) return undefined;
  return new CloudError(
    "invalid",
    `The S3 Control endpoint override ${endpoint} is an IP address, and S3 Control puts the account id in front of the endpoint's host (${accountId}.HOST): ` +
      `give it as a host name instead (http://localhost:PORT for an emulator on this machine), in aws.endpoints.s3control or AWS_ENDPOINT_URL_S3_CONTROL.`,
    { accountId, action: "s3:GetAccountPublicAccessBlock", code: "InvalidEndpoint" },
  );
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup, except that `localhost` and `*.localhost` are the loopback address (RFC 6761). */
export function loopbackLookup(hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void {
  if (!LOCALHOST.test(hostname)) {
    dnsLookup(hostname, options as LookupAllOptions, callback as never);
    return;
  }
  const v6 = options.family === 6;
  const address = v6 ? "::1" : "127.0.0.1";
  const family = v6 ? 6 : 4;
  if ((options as LookupAllOptions).all) callback(null, [{ address, family }]);
  else callback(null, address, family);
}

/** Extra SDK client configuration for an S3 Control endpoint override on `localhost`. */
export function s3ControlClientConfig(endpoint: string | undefined): Record<string, unknown> {
  if (!endpoint) return {};
  const host = hostOf(endpoint);
  if (!host || !LOCALHOST.test(host)) return {};
  return { requestHandler: { httpAgent: new HttpAgent({ keepAlive: true, lookup: loopbackLookup }), httpsAgent: new HttpsAgent({ keepAlive: true, lookup: loopbackLookup }) } };
}
