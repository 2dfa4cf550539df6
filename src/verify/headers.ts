/** Header lines as the MailView carries them: in order, names lower-cased, values unfolded. */
export type HeaderLines = [name: string, value: string][];

/** The first value of a header, or undefined. */
export function headerValue(headers: HeaderLines, name: string): string | undefined {
  for (const [n, v] of headers) if (n === name) return v;
  return undefined;
}
