/** The playbooks that write plans: a plan names the one that produced it, a policy rule the ones it covers. */
export const PLAYBOOKS = ["compromised-host", "open-proxy", "reflection", "email-spam", "content", "credentials", "case-only"] as const;
export type PlaybookName = (typeof PLAYBOOKS)[number];
