/**
 * How abuse-desk gets into the accounts of the organization (issue 15, "the read-only and
 * containment roles deployed in every account"): the organization's accounts as Organizations lists
 * them, and entering one account for reads or for writes the way the configuration says (the
 * caller's own credentials, a profile, or the assumed role). CloudReader extends this interface;
 * the simulator (src/cloud/sim/access.ts) and the AWS adapter (src/cloud/aws/access.ts) implement
 * it and pass test/cloud/contract-access.ts.
 *
 * A refusal is an answer, not an error: AssumeRole saying AccessDenied is exactly "this role is not
 * there, or does not trust abuse-desk", which is what a readiness check asks. Anything else that
 * stops the attempt (throttling, the network, an account the port does not know) is a CloudError.
 */

export type AccessSide = "read" | "write";

/** An account of the organization (Organizations ListAccounts). */
export interface OrganizationAccount {
  accountId: string;
  name?: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE (Organizations' State). Only ACTIVE accounts can be entered. */
  state: string;
}

/** How abuse-desk enters an account for one side, and whether it got in. */
export interface AccountEntry {
  accountId: string;
  side: AccessSide;
  /** The caller's own credentials, a configured profile, or a role assumed in the account. */
  via: "caller" | "profile" | "role";
  /** The role's ARN and name when via is role. */
  roleArn?: string;
  roleName?: string;
  /** True when the credentials were obtained (AssumeRole answered, or no role is needed). */
  entered: boolean;
  /** When not entered: the refusal as said (the role does not exist, or does not trust the caller). */
  refusal?: string;
}

export interface AccessReader {
  /**
   * Every account of the organization with its state, whichever accounts abuse-desk is configured to
   * work in; null when the caller's account is not in an organization.
   */
  organizationAccounts(): Promise<OrganizationAccount[] | null>;
  /** Enters the account for reads or writes as the configuration says (an AccessDenied is `entered: false`). */
  enterAccount(accountId: string, side: AccessSide): Promise<AccountEntry>;
}
