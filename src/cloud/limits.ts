/**
 * AWS's per-call id limits that both the playbook (the requests it shows and checks) and the AWS
 * adapter (the requests it sends) batch by, and the batching itself. No AWS SDK here: the playbook
 * and the executor load this without loading the adapter.
 */

/** Auto Scaling takes at most 20 instance ids per EnterStandby/ExitStandby/AttachInstances/DetachInstances. */
export const ASG_BATCH = 20;
/** SetInstanceProtection takes at most 50. */
export const PROTECTION_BATCH = 50;

/** Splits a list into chunks of at most `size` (AWS's per-call id limits). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
