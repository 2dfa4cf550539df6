/**
 * What only the root user can do after a credential exposure or an account compromise: the root
 * checklist the case tracks item by item (src/case/checklist.ts, `abuse-desk case checklist`).
 * The ids are the catalogue: an item named on the command line or in a form is one of these, or it
 * is refused.
 */
export const ROOT_CHECKLIST_ITEMS = [
  { id: "root-access-keys", text: "Sign in as root and delete any root access key (only root can; never keep one)." },
  { id: "root-password-mfa", text: "Change the root password and enable MFA on the root user." },
  { id: "contact-information", text: "Verify the account's contact information and alternate contacts (billing, operations, security): an attacker may have changed them." },
  { id: "root-sign-ins", text: "Check the root user's sign-ins (CloudTrail ConsoleLogin with userIdentity.type Root) for any you did not make." },
  { id: "billing-review", text: "Review billing for the exposure window (Cost Explorer by region and service) and ask AWS about the charges in the case." },
] as const;

export type RootChecklistItemId = (typeof ROOT_CHECKLIST_ITEMS)[number]["id"];

export const ROOT_CHECKLIST_IDS: readonly string[] = ROOT_CHECKLIST_ITEMS.map((i) => i.id);

export function isRootChecklistItem(id: unknown): id is RootChecklistItemId {
  return typeof id === "string" && ROOT_CHECKLIST_IDS.includes(id);
}

/** An item of a case's checklist as the store keeps it: open until someone marks it done, with who and when. */
export interface ChecklistItemState {
  id: RootChecklistItemId;
  text: string;
  state: "open" | "done";
  /** Who marked it (null while it was never touched). */
  by: string | null;
  at: string | null;
}

/** A case about exposed credentials or a compromised account: its activity, or any of its notices'. */
export function isCredentialCase(c: { activityType: string }, notices: readonly { kind: string; activityType: string }[]): boolean {
  const credential = (x: string) => x === "credentials_exposed" || x === "account_compromise";
  return credential(c.activityType) || notices.some((n) => credential(n.kind) || credential(n.activityType));
}
