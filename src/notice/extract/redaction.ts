/**
 * The one redaction test. Whoever published or pasted a notice may have masked its identifiers
 * (`34.xx.xx.xx`, `i-0c29xxxxxxxx7`, `****-****-WBAA`, `■■■■`, `<My EC2>`, `<<aws_account_id>>`,
 * `ACCESS_KEY_ID_HERE`); a masked value is evidence that something was there, never an identifier.
 */

/** Characters people use to black out text. */
const MASK_CHARS = /[■□▪▫█▇▆▅▓▒░●•◼◻⬛▉▊▋*#]{2,}|[■█▓▒░◼⬛]/;
/** `<My EC2>`, `<<aws_account_id>>`, `[redacted]`, `(instance id)`, `{account}`. */
const PLACEHOLDER = /^\s*(?:<<?[^<>]{1,60}>>?|\[[^\]]{0,40}(?:redact|remov|hidden|mask|omit|snip)[^\]]{0,40}\]|\([^()]{1,40}\)|\{[^{}]{1,40}\})\s*$/i;
const PLACEHOLDER_WORDS = /(?:^|[^a-z])(?:redacted|removed|hidden|masked|omitted|anonymi[sz]ed)(?:$|[^a-z])|_HERE\b|\bYOUR_|<<|>>/i;

/**
 * True when `value`, found where an identifier of a numeric or hex shape was expected (account id,
 * instance id, IP address, access key), is masked or a placeholder. Such identifiers never contain
 * an `x`, so any run of x's is a mask there.
 */
export function isRedactedId(value: string): boolean {
  const v = value.trim();
  if (v === "") return false;
  if (/x{2,}/i.test(v) || /(?:^|[.:-])x(?:[.:-]|$)/i.test(v)) return true;
  return isRedactedText(v);
}

/** True when free text (a URL, a bucket or user name) is masked: only explicit masks count here. */
export function isRedactedText(value: string): boolean {
  const v = value.trim();
  if (v === "") return false;
  return MASK_CHARS.test(v) || PLACEHOLDER.test(v) || PLACEHOLDER_WORDS.test(v) || /^x{3,}$/i.test(v) || /\*{2,}/.test(v);
}
