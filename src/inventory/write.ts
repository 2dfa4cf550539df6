/**
 * The inventory as a workbook (exceljs): one sheet per region, named "ACCOUNT region" when there
 * are several accounts; frozen header row, autofilter, column widths. And as CSV, one file per
 * sheet. Every cell is text or a date, never a formula: tag values starting with = + - @ are
 * prefixed (./cells.ts), and exceljs is only ever given plain values.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { writePrivateFile } from "../private-file.ts";
import { csvLine, spreadsheetText } from "./cells.ts";
import type { AssetRow, Inventory } from "./collect.ts";

export const COLUMNS: { header: string; width: number; value: (r: AssetRow) => string }[] = [
  { header: "Kind", width: 18, value: (r) => r.kind },
  { header: "Id", width: 24, value: (r) => r.id },
  { header: "Name", width: 28, value: (r) => r.name },
  { header: "Owner", width: 24, value: (r) => r.owner },
  { header: "Team", width: 14, value: (r) => r.team },
  { header: "Public addresses", width: 30, value: (r) => r.publicAddresses.join(" ") },
  { header: "Private addresses", width: 30, value: (r) => r.privateAddresses.join(" ") },
  { header: "Security groups", width: 26, value: (r) => r.securityGroups.join(" ") },
  { header: "Subnet", width: 26, value: (r) => r.subnet },
  { header: "VPC", width: 23, value: (r) => r.vpc },
  { header: "Auto Scaling group", width: 20, value: (r) => r.autoScalingGroup },
  { header: "Launch time", width: 21, value: (r) => r.launchTime },
  { header: "AMI", width: 23, value: (r) => r.ami },
  { header: "Platform", width: 16, value: (r) => r.platform },
  { header: "State", width: 22, value: (r) => r.state },
  { header: "SSM", width: 14, value: (r) => r.ssm },
  { header: "IMDS", width: 15, value: (r) => r.imds },
  { header: "Termination protection", width: 12, value: (r) => r.terminationProtection },
];

/** Rows grouped per sheet, sheets in account then region order. */
export function sheetsOf(inv: Inventory): { name: string; rows: AssetRow[] }[] {
  const several = new Set(inv.rows.map((r) => r.accountId)).size > 1;
  const by = new Map<string, AssetRow[]>();
  for (const r of inv.rows) {
    const name = several ? `${r.accountId} ${r.region}` : r.region;
    by.set(name, [...(by.get(name) ?? []), r]);
  }
  return [...by].map(([name, rows]) => ({ name, rows }));
}

export async function inventoryWorkbook(inv: Inventory): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "abuse-desk inventory";
  wb.created = new Date(inv.generatedAt);
  for (const s of sheetsOf(inv)) {
    const ws = wb.addWorksheet(s.name, { views: [{ state: "frozen", ySplit: 1 }] });
    ws.columns = COLUMNS.map((c) => ({ header: c.header, key: c.header, width: c.width }));
    ws.getRow(1).font = { bold: true };
    for (const r of s.rows) ws.addRow(COLUMNS.map((c) => spreadsheetText(c.value(r))));
    ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: COLUMNS.length } };
  }
  if (wb.worksheets.length === 0) wb.addWorksheet("empty").addRow(["No resources were found in the accounts and regions read."]);
  const notRead = inv.notRead;
  if (notRead.length) {
    const ws = wb.addWorksheet("not read");
    ws.columns = [
      { header: "Account", width: 16 },
      { header: "Region", width: 16 },
      { header: "Why", width: 80 },
    ];
    for (const n of notRead) ws.addRow([n.accountId, n.region ?? "", spreadsheetText(n.reason)]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function writeInventoryXlsx(inv: Inventory, path: string, force: boolean): Promise<void> {
  writePrivateFile(path, await inventoryWorkbook(inv), { force });
}

/** One CSV per sheet in `dir` (created when missing), named after the sheet. Returns the files written. */
export function writeInventoryCsv(inv: Inventory, dir: string, force: boolean): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files: string[] = [];
  for (const s of sheetsOf(inv)) {
    const file = join(dir, `${s.name.replace(/[^A-Za-z0-9-]/g, "_")}.csv`);
    let text = csvLine(["Account", "Region", ...COLUMNS.map((c) => c.header)]);
    for (const r of s.rows) text += csvLine([r.accountId, r.region, ...COLUMNS.map((c) => c.value(r))]);
    writePrivateFile(file, text, { force });
    files.push(file);
  }
  return files;
}
