/** Shared formatting for what people read (replies, reports, notifications): one way to write a time. */

/** `2026-05-01 14:03:07 UTC`; the input unchanged when it is not a date. */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 19).replace("T", " ") + " UTC";
}

/** `2 hours`, `1 hour`, `36 hours`: no rounding surprises in a request to AWS. */
export function fmtHours(hours: number): string {
  return `${hours} hour${hours === 1 ? "" : "s"}`;
}

/** Human size: `512 B`, `4.2 KiB`, `1.3 MiB`. */
export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}
