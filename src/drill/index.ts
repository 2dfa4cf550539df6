/**
 * The drill: the whole response, end to end, on the embedded defaults. A notice arrives as if AWS
 * had sent it now (signed; verified against the drill's recorded DNS answers), opens a case in the
 * SQLite store, its resources are found in the bundled simulated account, a plan is written under
 * the drill's policy, applied (first what the policy lets run without a person, then the rest as
 * the person running the drill), and the reply to AWS is drafted, with the case report.
 *
 * Everything it writes goes to one directory of its own (a data directory: the case store, the
 * simulated account's state, the notice, the reply, the report), so a drill never mixes with real
 * cases, and a person can look at it afterwards with the ordinary commands.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePrivateDir, replacePrivateFile } from "../private-file.ts";
import type { AuditKey } from "../case/audit-key.ts";
import type { Case } from "../case/types.ts";
import type { ApplyResult } from "../execute/apply.ts";
import type { Plan } from "../execute/types.ts";
import type { Resolution } from "../resolve/types.ts";
import type { Verdict } from "../verify/types.ts";

export const DRILL_DIR = fileURLToPath(new URL("../../fixtures/drill/", import.meta.url));
/** The selector the drill's key is published under in its recorded DNS answers. */
const SELECTOR = "abusedesk-drill";

export interface DrillOptions {
  /** The drill's own data directory (created; should be new or empty). */
  home: string;
  /** When the notice "arrives". Default: now. */
  now?: Date;
  /** The account: the bundled simulated estate unless told otherwise (sim:PATH). */
  account?: string;
  /** One line per stage, for the progress display. */
  onStage?: (stage: DrillStage, detail: string) => void;
  /** The audit key of the drill's store, resolved by the edge (src/config/store.ts). Default: a key file in `home`. */
  auditKey?: AuditKey;
}

export type DrillStage = "notice" | "verdict" | "case" | "resources" | "plan" | "apply-policy" | "apply-person" | "reply" | "report";

export interface DrillResult {
  home: string;
  noticeFile: string;
  verdict: Verdict;
  case: Case;
  resolution: Resolution | null;
  plan: Plan;
  automatic: ApplyResult;
  byPerson: ApplyResult | null;
  replyFile: string;
  reportFile: string;
  databaseLocation: string;
}

const rfc2822 = (d: Date) => d.toUTCString().replace("GMT", "+0000");
const awsTime = (d: Date) => d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");

/** The drill's notice, as AWS would send it at `now`: times filled in, DKIM-signed as amazon.com. */
export async function composeDrillNotice(now: Date, opts: { messageId?: string } = {}): Promise<Buffer> {
  const { dkimSign } = await import("mailauth/lib/dkim/sign.js");
  const template = readFileSync(join(DRILL_DIR, "notice.eml.template"), "utf8");
  const received = new Date(now.getTime() - 5 * 60_000);
  const end = new Date(received.getTime() - 40 * 60_000);
  const begin = new Date(end.getTime() - 31 * 60_000);
  const values: Record<string, string> = {
    date: rfc2822(received),
    messageId: opts.messageId ?? `drill-${received.getTime().toString(36)}-${randomBytes(4).toString("hex")}`,
    begin: awsTime(begin),
    end: awsTime(end),
  };
  const text = template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k] ?? "").replace(/\r?\n/g, "\r\n");
  const signed = (await dkimSign(text, {
    signTime: received,
    signatureData: [{ signingDomain: "amazon.com", selector: SELECTOR, privateKey: readFileSync(join(DRILL_DIR, "dkim.pem"), "utf8") }],
  } as never)) as { signatures: string; errors?: unknown[] };
  if (signed.errors?.length) throw new Error(`the drill could not sign its notice: ${JSON.stringify(signed.errors)}`);
  return Buffer.from(signed.signatures + text);
}

export async function runDrill(opts: DrillOptions): Promise<DrillResult> {
  const now = opts.now ?? new Date();
  const stage = opts.onStage ?? (() => {});
  const account = opts.account ?? "sim";
  ensurePrivateDir(opts.home);

  const [{ parseInput }, { verify }, { DnsCache }, { openStore, DB_FILE }, { openCloud }, { loadPolicy }, desk, { replyForCase }, { reportForCase }, { renderMarkdown }, { DRILL_CASE }] =
    await Promise.all([
      import("../notice/index.ts"),
      import("../verify/index.ts"),
      import("../verify/dns.ts"),
      import("../case/index.ts"),
      import("../cloud/open.ts"),
      import("../policy/load.ts"),
      import("../desk/index.ts"),
      import("../reply/case.ts"),
      import("../report/model.ts"),
      import("../report/markdown.ts"),
      import("../reply/timeline.ts"),
    ]);

  // 1. The notice arrives.
  const raw = await composeDrillNotice(now);
  const noticeFile = join(opts.home, "notice.eml");
  replacePrivateFile(noticeFile, raw);
  const { items } = await parseInput(raw);
  const item = items[0]!;
  stage("notice", `${item.notice.subject ?? "notice"} (${noticeFile})`);

  // 2. Is it genuine? Against the drill's recorded DNS answers, never live DNS.
  const dns = DnsCache.parse(readFileSync(join(DRILL_DIR, "dns.json"), "utf8"), { missCode: "ENOTFOUND" });
  const verifyOpts = { resolver: dns.resolve, now };

  // The drill's own SQLite file, whatever DATABASE_URL says: a drill never writes into a team's store.
  const store = await openStore({ home: opts.home, url: join(opts.home, DB_FILE), ...(opts.auditKey ? { auditKey: opts.auditKey } : {}) });
  const port = await openCloud(account, { home: opts.home });
  try {
    // 3. The case, and 4. its resources.
    const intake = await desk.intakeItem(item, { store, verify: (i) => verify(i, verifyOpts), port, now, actor: "drill" });
    stage("verdict", `${intake.verdict.verdict}: ${intake.verdict.reasons.filter((r) => r.severity === "pass").map((r) => r.message)[0] ?? intake.verdict.reasons[0]?.message ?? ""}`);
    await store.recordEvent(intake.intake.case.id, "note", "This case is a drill: its notice and its account are simulated; its reply is never sent.", { [DRILL_CASE]: true }, { actor: "drill", now });
    stage("case", `${intake.intake.case.id} ${intake.intake.created ? "opened" : "joined"}, deadline ${awsTime(new Date(intake.intake.case.deadline.at))}`);
    if (intake.resolution) {
      for (const f of intake.resolution.findings) stage("resources", f.summary);
    }

    // 5. The plan, under the drill's policy.
    const policy = await loadPolicy(join(DRILL_DIR, "policy.yaml"));
    const { plan } = await desk.planCase(store, intake.intake.case.id, { port, policy, now, actor: "drill" });
    stage("plan", `${plan.steps.length} steps (${plan.playbook})${plan.refused.length ? `, ${plan.refused.length} refused by policy` : ""}`);

    // 6. What the policy lets run at once (the notice is authentic), then the rest by the person
    //    running the drill (running it is their approval: the account is a simulation).
    const automatic = await desk.applyPlan(store, plan, { port, approve: "policy", policy, actor: "policy (drill)" });
    stage("apply-policy", summarizeApply(automatic));
    let byPerson: ApplyResult | null = null;
    if (automatic.status === "incomplete") {
      byPerson = await desk.applyPlan(store, plan, { port, approve: "person", actor: "drill operator" });
      stage("apply-person", summarizeApply(byPerson));
    }

    // 7. The reply to AWS, drafted (not sent), and the case report.
    const replyFile = join(opts.home, "reply.eml");
    const reply = await replyForCase(store, intake.intake.case.id, { eml: replyFile, force: true, actor: "drill" });
    stage("reply", `${reply.draft.subject} (${replyFile})`);
    const reportFile = join(opts.home, "report.md");
    replacePrivateFile(reportFile, renderMarkdown(await reportForCase(store, intake.intake.case.id, now)));
    stage("report", reportFile);

    const finalCase = await store.requireCase(intake.intake.case.id);
    return {
      home: opts.home,
      noticeFile,
      verdict: intake.verdict,
      case: finalCase,
      resolution: intake.resolution,
      plan,
      automatic,
      byPerson,
      replyFile,
      reportFile,
      databaseLocation: store.location,
    };
  } finally {
    port.close?.();
    await store.destroy();
  }
}

function summarizeApply(r: ApplyResult): string {
  const count = (s: string) => r.steps.filter((x) => x.status === s).length;
  const parts = [`${count("done")} done`];
  if (count("skipped")) parts.push(`${count("skipped")} already in place`);
  if (count("already-done")) parts.push(`${count("already-done")} done before`);
  if (count("not-run")) parts.push(`${count("not-run")} wait for a person`);
  if (count("failed")) parts.push(`${count("failed")} failed`);
  return `${r.status}: ${parts.join(", ")}`;
}
