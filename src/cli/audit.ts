/**
 * `abuse-desk audit verify`: checks the hash chain of the audit log; `abuse-desk audit log`: prints it.
 * Exit status of verify: 0 intact, 65 broken (with the first broken entry and why), 78 when the
 * chain cannot be checked with this machine's audit key (another key, or none).
 */
import type { Command } from "commander";
import { UserError } from "../errors.ts";
import { colors, printJson, withStore } from "./io.ts";


function parseAnchor(text: string): { seq: number; hash: string } {
  const m = /^(\d+):([0-9a-f]{64})$/i.exec(text.trim());
  if (!m) throw new UserError(`--anchor: expected SEQ:SHA256 (as printed by an earlier verify), not ${text}`, { exitCode: 64 });
  return { seq: Number(m[1]), hash: m[2]!.toLowerCase() };
}

export function register(program: Command): void {
  const cmd = program.command("audit").description("the append-only, hash-chained audit log of every change to the case store");

  cmd
    .command("verify")
    .description("check the audit chain: intact, or the first broken entry and why")
    .option("--anchor <seq:hash>", "also check against a head recorded earlier (catches a rewritten or truncated log)")
    .option("--deep", "also compare every timeline event and journal entry, and the verdicts of every notice and case, with the audit entries that recorded them")
    .option("--json", "print JSON: { intact, entries, head, keyed, firstBroken?, records? }")
    .action(async (o: { anchor?: string; deep?: boolean; json?: boolean }) => {
      const anchor = o.anchor ? parseAnchor(o.anchor) : undefined;
      const { r, location, key } = await withStore(async (s) => ({ r: await s.auditVerify({ anchor, deep: o.deep }), location: s.location, key: s.auditKeyInfo }));
      if (o.json) printJson(r);
      else if (r.intact) {
        process.stdout.write(`${colors.green("audit chain intact")}: ${r.entries} entries in ${location}\n`);
        if (r.keyed) {
          process.stdout.write(
            `keyed with audit key ${key.id} (${key.source}) from entry ${r.keyed.from}` +
              (r.keyed.legacy ? `; ${r.keyed.legacy === 1 ? "entry 1 predates" : `entries 1-${r.keyed.legacy} predate`} the key (legacy: plain SHA-256, sealed by entry ${r.keyed.from})` : "") +
              "\n",
          );
        }
        if (r.records) {
          process.stdout.write(`${r.records.checked} timeline events and journal entries match what the chain recorded${r.records.unaudited ? ` (${r.records.unaudited} older than the audit log, not covered)` : ""}\n`);
          process.stdout.write(`${r.records.verdicts ?? 0} notices and cases have the verdicts (and cases the resources) the chain recorded\n`);
        }
        if (r.head) process.stdout.write(`head ${r.head.seq}:${r.head.hash}\n${colors.dim("(keep this head elsewhere; `audit verify --anchor` with it later also catches a rewritten or truncated log)")}\n`);
      } else {
        const where = r.firstBroken.record ? `${r.firstBroken.record.table} record ${r.firstBroken.record.id}` : `entry ${r.firstBroken.seq}`;
        process.stdout.write(`${colors.bold(colors.red("audit chain BROKEN"))} at ${where}: ${r.firstBroken.reason}\n`);
        process.stdout.write(`${r.entries} entries before it verify; ${location}\n`);
        if (r.firstBroken.problem === "key") process.stdout.write(`this machine's audit key is ${key.id} (${key.source}); set ABUSE_DESK_AUDIT_KEY or copy the key file the store was written with\n`);
      }
      if (!r.intact) process.exitCode = r.firstBroken.problem === "key" ? 78 : 65;
    });

  cmd
    .command("log")
    .description("print audit entries, oldest first")
    .option("--case <id>", "only this case's entries")
    .option("--after <seq>", "entries after this sequence number", "0")
    .option("--limit <n>", "how many", "100")
    .option("--json", "print JSON")
    .action(async (o: { case?: string; after: string; limit: string; json?: boolean }) => {
      const after = Number(o.after);
      const limit = Number(o.limit);
      if (!Number.isInteger(after) || after < 0) throw new UserError(`--after: a sequence number, not ${o.after}`, { exitCode: 64 });
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new UserError(`--limit: 1 to 100000, not ${o.limit}`, { exitCode: 64 });
      const entries = await withStore(async (s) => {
        const caseId = o.case ? (await s.requireCase(o.case)).id : undefined;
        return s.auditEntries({ caseId, afterSeq: after, limit });
      });
      if (o.json) return printJson(entries);
      const { renderTable } = await import("./table.ts");
      const { humanTime } = await import("../time.ts");
      // the full time and hash are in --json; here, what fits a line
      const rows = entries.map((e) => [String(e.seq), humanTime(e.at, { tz: "UTC" }), e.action, e.caseId ?? "-", e.actor, { text: e.hash.slice(0, 8), paint: colors.dim }]);
      if (rows.length) process.stdout.write(renderTable(rows, { head: ["SEQ", "AT", "ACTION", "CASE", "ACTOR", "HASH"], wrap: [1, 4] }) + "\n");
    });
}
