/**
 * Hints that can be pasted as they are: the command to run next carries the account flags the
 * person used (`--account`, `--profile`, `--region`), each word quoted for a POSIX shell when it
 * needs to be.
 */

/** A word as a POSIX shell reads it back unchanged. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:@=+,%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** ` --account sim:/path --profile p --region r`, or "" when no account was named (the default then applies again). */
export function accountFlags(o: { account?: string | undefined; profile?: string | undefined; region?: string | undefined }): string {
  const out: string[] = [];
  if (o.account) out.push("--account", shellWord(o.account));
  if (o.profile) out.push("--profile", shellWord(o.profile));
  if (o.region) out.push("--region", shellWord(o.region));
  return out.length ? ` ${out.join(" ")}` : "";
}

/** `abuse-desk COMMAND 'the file.eml' --account ...`: FILE stands for standard input (nothing to paste back). */
export function commandLine(command: string, file: string | undefined, o: { account?: string | undefined; profile?: string | undefined; region?: string | undefined }): string {
  return `abuse-desk ${command} ${file === undefined || file === "-" ? "FILE" : shellWord(file)}${accountFlags(o)}`;
}
