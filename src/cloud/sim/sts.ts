/**
 * STS GetAccessKeyInfo in the simulator: the account an access key belongs to, whichever account
 * asks, as AWS answers it for both kinds of key.
 *
 *   AKIA (long-term)  the account of the IAM user that holds it (./iam.ts)
 *   ASIA (temporary)  the account of the principal the credentials were issued to: the role's
 *                     account for a key an AssumeRole (AssumeRoleWithSAML, ...WithWebIdentity)
 *                     issued, the caller's account for GetSessionToken / GetFederationToken; and,
 *                     when the estate has no issuing event, the account of the identity CloudTrail
 *                     recorded making calls with it
 *
 * A temporary key exists in the simulator only as its estate's (or its own writes') CloudTrail
 * tells it, in every account and region; a key no event issued or used is unknown (null).
 */
import type { TrailEvent } from "../model.ts";
import { accountOfAccessKey as longTermAccount } from "./iam.ts";
import type { SimCore } from "./core.ts";

const ASSUME = /^AssumeRole(WithSAML|WithWebIdentity)?$/;
const TOKEN = /^(GetSessionToken|GetFederationToken)$/;
const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\//;
const ACCOUNT = /^\d{12}$/;

const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** The account of the principal an event issued `accessKeyId` to, or null when the event did not issue it. */
function issuedTo(e: TrailEvent, accountId: string, accessKeyId: string): string | null {
  if (e.detail.errorCode || !(ASSUME.test(e.eventName) || TOKEN.test(e.eventName))) return null;
  if (obj(obj(e.detail.responseElements)?.credentials)?.accessKeyId !== accessKeyId) return null;
  if (TOKEN.test(e.eventName)) {
    const caller = obj(e.detail.userIdentity)?.accountId;
    return typeof caller === "string" && ACCOUNT.test(caller) ? caller : accountId;
  }
  const roleArn = obj(e.detail.requestParameters)?.roleArn;
  const m = typeof roleArn === "string" ? ROLE_ARN.exec(roleArn) : null;
  return m ? m[1]! : null;
}

/** The account of the identity that made an event with `accessKeyId`, or null. */
function usedBy(e: TrailEvent, accessKeyId: string): string | null {
  const id = obj(e.detail.userIdentity);
  if ((id?.accessKeyId ?? e.accessKeyId) !== accessKeyId) return null;
  return typeof id?.accountId === "string" && ACCOUNT.test(id.accountId) ? id.accountId : null;
}

export function accessKeyAccount(api: SimCore, accessKeyId: string): string | null {
  if (!accessKeyId.startsWith("ASIA")) return longTermAccount(api, accessKeyId);
  let used: string | null = null;
  for (const acc of api.state.accounts.values())
    for (const region of acc.regions.values())
      for (const e of region.trail) {
        const issued = issuedTo(e, acc.accountId, accessKeyId);
        if (issued) return issued;
        used ??= usedBy(e, accessKeyId);
      }
  return used;
}
