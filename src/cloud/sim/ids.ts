import { createHash } from "node:crypto";

/** Deterministic hex from any text: the same estate always derives the same ARNs, MACs and ids. */
export function hexOf(text: string, length: number): string {
  let out = "";
  for (let i = 0; out.length < length; i++) out += createHash("sha256").update(`${i}:${text}`).digest("hex");
  return out.slice(0, length);
}

/** A UUID-shaped deterministic id (CloudTrail event ids, ASG ARNs). */
export function uuidOf(text: string): string {
  const h = hexOf(text, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function macOf(eniId: string): string {
  const h = hexOf(eniId, 10);
  return `0a:${h.match(/../g)!.join(":")}`;
}
