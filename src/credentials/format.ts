/** The sweep as text for a person: who holds the key, the chain, what was made (by region), the cost estimate, what was not searched. */
import { safeText } from "../safe-text.ts";
import type { SweepResult } from "./sweep.ts";

interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
}

export function formatSweep(s: SweepResult, p: Paint): string {
  const t = (x: unknown) => safeText(String(x));
  const out: string[] = [];
  out.push(p.bold(`Credential sweep ${t(s.window.start)} .. ${t(s.window.end)}: ${s.searched.length} region(s) searched`));
  for (const h of s.holders) {
    const who = h.kind === "user" ? `IAM user ${t(h.userName)}` : h.kind === "role-session" ? `session of role ${t(h.roleName ?? "?")}${h.sessionName ? ` (${t(h.sessionName)})` : ""}` : h.kind === "root" ? p.red("the ROOT user") : "unknown owner";
    out.push(`${t(h.accessKeyId)}: ${who}${h.accountId ? ` in ${t(h.accountId)}` : ""}`);
    for (const k of h.user?.accessKeys ?? []) out.push(p.dim(`  key ${t(k.accessKeyId)} ${t(k.status)}${k.lastUsed?.date ? `, last used ${t(k.lastUsed.date)} ${t(k.lastUsed.service ?? "")} ${t(k.lastUsed.region ?? "")}` : ""}`));
    if (h.user?.loginProfile) out.push(p.dim(`  console password since ${t(h.user.loginProfile.createDate)}`));
    if (h.quarantinePolicies.length) out.push(p.yellow(`  AWS quarantine policy attached: ${h.quarantinePolicies.map(t).join(", ")} (kept)`));
  }
  const created = s.principals.filter((x) => x.origin !== "exposed");
  if (created.length) {
    out.push(p.bold("Principals the attacker created (swept too):"));
    for (const c of created) if (c.origin !== "exposed") out.push(`  ${t(c.kind)} ${t(c.id)}: ${t(c.origin.eventName)} by ${t(c.origin.by)}`);
  }
  out.push(p.bold(`What was made or changed (${s.inventory.length}):`));
  for (const i of s.inventory) {
    const ev = i.event ? `${t(i.event.eventName)} ${t(i.event.eventTime)} by ${t(i.event.by)}` : p.yellow("no event of a swept principal");
    const cost = i.cost ? `, ~$${i.cost.usd} so far at $${i.cost.usdPerHour}/h` : "";
    out.push(`  ${t(i.scope.accountId)}/${t(i.scope.region)} ${t(i.kind)} ${t(i.id)}${i.instanceType ? ` ${t(i.instanceType)}` : ""}${i.gpu ? p.red(" GPU") : ""}: now ${t(i.state)}${cost} (${ev})`);
  }
  out.push(`Cost exposure: ~$${s.cost.usdSoFar} so far, ~$${s.cost.usdPerHourNow}/h while it runs (${t(s.cost.note)})`);
  if (s.notSearched.length) {
    out.push(p.red(p.bold("NOT searched (what is there is not above):")));
    for (const n of s.notSearched) out.push(p.red(`  ${t(n.what)}${n.scope ? ` (${t(n.scope.accountId)}/${t(n.scope.region)})` : ""}: ${t(n.reason)}`));
  }
  return out.join("\n");
}
