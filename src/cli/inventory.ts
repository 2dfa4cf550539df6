/**
 * `abuse-desk inventory [--account sim|sim:PATH|aws] --out assets.xlsx [--csv DIR] [--json]`: the
 * asset spreadsheet (docs/inventory.md): one sheet per region (per account and region when
 * several accounts), a row per instance, ENI, Elastic IP, NAT gateway and load balancer. Each run
 * also records which resource held which public address in the case store's address history,
 * which `resolve` reads when CloudTrail cannot say who held an address (--no-history to skip).
 *
 * Exit 69 when a region or account could not be read (the files are still written, with a
 * "not read" sheet); 73 when an output file exists (without --force) or cannot be written.
 */
import type { Command } from "commander";

interface Options {
  out?: string;
  csv?: string;
  json?: boolean;
  force?: boolean;
  history?: boolean;
  account?: string;
  profile?: string;
  region?: string;
  accounts?: string;
  regions?: string;
  now?: string;
}

const list = (s: string | undefined) => (s ? s.split(",").map((x) => x.trim()).filter(Boolean) : undefined);

export function register(program: Command): void {
  program
    .command("inventory")
    .description("write the asset spreadsheet (one sheet per region) and record who holds each public address (docs/inventory.md)")
    .option("--out <file>", "the workbook to write (.xlsx): created 0600, never over an existing file without --force (exit 73)")
    .option("--csv <dir>", "also (or instead) write one CSV per sheet into this directory")
    .option("--json", "print the rows as JSON")
    .option("--force", "replace existing output files (never through a symbolic link)")
    .option("--no-history", "do not record the public addresses in the address history")
    .option("--account <spec>", "where to look: sim (the bundled simulated estate), sim:PATH (an estate file), or aws (default: $ABUSE_DESK_ACCOUNT)")
    .option("--profile <name>", "AWS profile (with --account aws)")
    .option("--region <region>", "AWS home region (with --account aws)")
    .option("--accounts <ids>", "only these accounts (comma-separated)")
    .option("--regions <codes>", "only these regions (comma-separated)")
    .option("--now <iso>", "the time recorded for this run (default: now)")
    .action(async (opts: Options) => {
      const { UserError } = await import("../errors.ts");
      const { timeOption, printJson, withStore } = await import("./io.ts");
      if (!opts.out && !opts.csv && !opts.json) throw new UserError("say where the inventory goes: --out assets.xlsx, --csv DIR or --json", { exitCode: 64 });
      const accounts = list(opts.accounts);
      for (const a of accounts ?? []) if (!/^\d{12}$/.test(a)) throw new UserError(`--accounts: "${a.slice(0, 40)}" is not a 12-digit account id`, { exitCode: 64 });
      const regions = list(opts.regions);
      for (const r of regions ?? []) if (!/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/.test(r)) throw new UserError(`--regions: "${r.slice(0, 40)}" is not a region code`, { exitCode: 64 });
      const now = opts.now ? timeOption("--now", opts.now) : new Date();

      const { openAccount } = await import("../config/account.ts");
      const { collectInventory, addressObservations } = await import("../inventory/collect.ts");
      const port = await openAccount(opts.account, { profile: opts.profile, region: opts.region });
      let inv;
      try {
        inv = await collectInventory(port, { ...(accounts ? { accounts } : {}), ...(regions ? { regions } : {}), now });
      } finally {
        port.close?.();
      }
      const { writeInventoryXlsx, writeInventoryCsv, sheetsOf } = await import("../inventory/write.ts");
      if (opts.out) await writeInventoryXlsx(inv, opts.out, opts.force === true);
      const files = opts.csv ? writeInventoryCsv(inv, opts.csv, opts.force === true) : [];
      let recorded: { extended: number; started: number } | undefined;
      if (opts.history !== false) {
        const seenAt = now.toISOString().slice(0, 19) + "Z";
        recorded = await withStore((store) => store.recordAddresses(addressObservations(inv), seenAt));
      }
      if (opts.json) printJson({ ...inv, history: recorded ?? null });
      else
        process.stderr.write(
          `inventory: ${inv.rows.length} rows in ${sheetsOf(inv).length} sheets${opts.out ? `, written to ${opts.out}` : ""}${files.length ? `, ${files.length} CSV files in ${opts.csv}` : ""}${recorded ? `; address history: ${recorded.started} new holdings, ${recorded.extended} still held` : ""}\n`,
        );
      if (inv.notRead.length)
        throw new UserError(`not read (listed in the "not read" sheet, never as empty): ${inv.notRead.map((n) => `${n.accountId}${n.region ? `/${n.region}` : ""}: ${n.reason}`).join("; ")}`, { exitCode: 69 });
    });
}
