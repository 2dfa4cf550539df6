/**
 * Cell text that stays text in a spreadsheet. Tag values come from whoever can tag a resource: a
 * value starting with = + - @ (or a tab / carriage return that some spreadsheets strip before
 * looking) would be read as a formula by Excel, LibreOffice and Google Sheets (CSV injection,
 * OWASP). Such a value is prefixed with an apostrophe, which the spreadsheet shows as text.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function spreadsheetText(v: string): string {
  return FORMULA_START.test(v) ? `'${v}` : v;
}

/** One CSV field (RFC 4180), formula-safe. */
export function csvField(v: string | number | boolean | undefined | null): string {
  if (v === undefined || v === null) return "";
  const s = typeof v === "string" ? spreadsheetText(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: (string | number | boolean | undefined | null)[]): string {
  return values.map(csvField).join(",") + "\r\n";
}
