/**
 * Ports and protocols that belong to what AWS already blocked, not to the activity. A labelled port
 * is the activity's (`Remote port(s): 25`) unless it sits in AWS's account of a mitigation:
 *
 *   Mitigation applied:            Action Taken: Blocked outbound traffic     Ports: 25 (blocked by AWS)
 *   Direction: Outbound            Protocol: TCP
 *   Protocol: TCP                  Port: 25
 *   Port(s): 25
 *
 * that is, below a mitigation heading or a mitigation statement (./mitigations.ts), with only other
 * details of that block in between (however many) (direction, protocol, port, action, the instance), or with "blocked"
 * in its own value. Such a port goes to the mitigation, never to `remotePorts`; such a protocol is the
 * mitigation's, not the notice's. The text says the port is the reported traffic when the block names
 * the remote party (a `Remote IP`, as every row of AWS's `Instance Id  Remote IP  Port  Protocol
 * Action Taken` table does), when a heading between them is about the activity ("Details of the
 * abusive activity:"), or when the value itself says "reported": then it stays the activity's port.
 * Only AWS's own lines count: a reporter's report says nothing about what AWS blocked.
 */
import type { Mitigation, Source } from "../types.ts";
import type { FieldKey, RawField } from "./fields.ts";
import { findMitigations } from "./mitigations.ts";
import type { Ctx } from "./context.ts";

/** The details a mitigation block may list between its heading and a port. */
const BLOCK_DETAIL = new Set<FieldKey | null>(["remotePort", "portsProtocols", "protocol", "action", "instance", "eni", null]);
/** A heading (a line ending in a colon) that introduces what AWS did. */
const MITIGATION_HEADING = /\b(?:mitigations?|mitigated|actions?\s+taken|actions?\s+(?:we\s+)?(?:have\s+)?(?:taken|applied)|(?:we\s+have|we've|aws\s+has)\s+(?:taken|applied|blocked|restricted|put\s+in\s+place)|blocked|blocks|restrictions?|restricted|what\s+we\s+(?:did|have\s+done))\b[^\n]{0,80}:\s*$/i;
const BLOCK_WORD = /\bblock(?:ed|ing|s)?\b|\bmitigat(?:ed|ion)\b/i;
const REPORTED_WORD = /\breported\b|\babusive\b|\bobserved\b/i;

/**
 * For each of AWS's port and protocol fields that describes a mitigation, the line that makes it one
 * (the heading, the statement, or its own line).
 */
export function blockedFields(fields: RawField[], ctx: Ctx): Map<RawField, number> {
  const out = new Map<RawField, number>();
  const candidates = fields.filter((f) => f.zone === "aws" && (f.key === "remotePort" || f.key === "portsProtocols" || f.key === "protocol" || isDirection(f)) && f.value !== "");
  if (candidates.length === 0) return out;
  const byLine = new Map<number, RawField[]>();
  for (const f of fields) {
    const list = byLine.get(f.line);
    if (list) list.push(f);
    else byLine.set(f.line, [f]);
  }
  const groupHasRemote = new Set<number>();
  for (const f of fields) if (f.key === "remoteIp" && f.value.trim() !== "") groupHasRemote.add(f.group);
  const memo = new Map<number, number | null>();
  for (const f of candidates) {
    if (groupHasRemote.has(f.group) || REPORTED_WORD.test(f.value)) continue;
    const anchor = BLOCK_WORD.test(f.value) ? f.line : anchorAbove(f, byLine, ctx, memo);
    if (anchor !== null) out.set(f, anchor);
  }
  return out;
}

function anchorAbove(f: RawField, byLine: Map<number, RawField[]>, ctx: Ctx, memo: Map<number, number | null>): number | null {
  // the words before the label on its own line ("Blocked outbound traffic. Destination Ports: 25")
  const own = ctx.doc.lines[f.line]!;
  const at = own.indexOf(f.label);
  if (!f.fromTable && at > 0 && findMitigations(own.slice(0, at), PROBE).length > 0) return f.line;
  // a table row: read upwards from above its header row
  return walkUp(f.fromTable ? tableHeaderLine(f, byLine) - 1 : f.line - 1, byLine, ctx, memo);
}

/**
 * Reads upwards from line `j` over the details of one block to what introduced it: a mitigation
 * heading or statement (its line), or anything else (null). The lines of a block share the answer
 * (memo), so a long block is read once.
 */
function walkUp(from: number, byLine: Map<number, RawField[]>, ctx: Ctx, memo: Map<number, number | null>): number | null {
  const { lines, zones } = ctx.doc;
  const visited: number[] = [];
  let result: number | null = null;
  for (let j = from; j >= 0; j--) {
    const known = memo.get(j);
    if (known !== undefined) {
      result = known;
      break;
    }
    visited.push(j);
    const verdict = lineVerdict(j, lines[j]!, zones[j] === "aws", byLine.get(j));
    if (verdict === "detail") continue;
    result = verdict === "mitigation" ? j : null;
    break;
  }
  for (const v of visited) memo.set(v, result);
  return result;
}

/** What one line above a port says: it introduces a mitigation, it is a detail of the block, or it ends the block. */
function lineVerdict(j: number, line: string, aws: boolean, here: RawField[] | undefined): "mitigation" | "detail" | "end" {
  if (!aws || line.trim() === "" || line.length > 2000) return "end";
  if (!here) {
    // prose: a mitigation statement or heading makes the block a mitigation; anything else ends it
    return findMitigations(line, PROBE).length > 0 || MITIGATION_HEADING.test(line) ? "mitigation" : "end";
  }
  for (const g of here) {
    if (g.key === "remoteIp" && g.value.trim() !== "") return "end";
    if (!BLOCK_DETAIL.has(g.key)) return "end";
    // "Action Taken: Blocked outbound traffic", or "Actions taken:" heading the lines below it
    if (g.key === "action") return g.value === "" || BLOCK_WORD.test(g.value) || findMitigations(g.value, PROBE).length > 0 ? "mitigation" : "end";
    if (g.key === null && g.value === "") return MITIGATION_HEADING.test(`${g.label}:`) ? "mitigation" : "end";
    if (g.key === null && BLOCK_WORD.test(`${g.label} ${g.value}`)) return "mitigation";
    if (g.key === null && REPORTED_WORD.test(g.label)) return "end";
  }
  return "detail";
}

/** The header row of the table a row belongs to: the line above its first row. */
function tableHeaderLine(f: RawField, byLine: Map<number, RawField[]>): number {
  let j = f.line;
  while (byLine.get(j - 1)?.some((g) => g.fromTable)) j--;
  return j - 1;
}

/** `Direction: Outbound` in a mitigation block: which way the traffic was blocked. */
export function isDirection(f: RawField): boolean {
  return f.key === null && /^(?:traffic\s+)?direction$/i.test(f.label.trim());
}

const PROBE: Source = { part: "body", excerpt: "" };

/**
 * The mitigation a blocked port or protocol belongs to: the one AWS's line at `anchor` states (made
 * from it when no rule read it yet), enriched with the port or protocol.
 */
export function addBlocked(ctx: Ctx, anchor: number, f: RawField, add: { ports?: number[]; protocol?: string; direction?: "inbound" | "outbound" | "both" }): void {
  const { b } = ctx;
  const src = ctx.src(anchor);
  const line = ctx.doc.lines[anchor]!;
  const found = findMitigations(line, src)[0];
  let m: Mitigation | undefined = b.mitigations.find((x) => (x.source.line === anchor + 1 && x.source.part === src.part) || (found && x.text === found.text));
  if (!m) {
    m = found ?? { text: (anchor === f.line ? line : line.replace(/:\s*$/, "")).trim().slice(0, 200), action: "other", source: src };
    b.mitigations.push(m);
  }
  if (add.ports?.length) {
    const ports = new Set([...(m.ports ?? []), ...add.ports]);
    m.ports = [...ports];
    if (m.action === "other" || m.action === "block_traffic") m.action = "block_port";
  }
  if (add.protocol && !m.protocol) m.protocol = add.protocol;
  if (add.direction && !m.direction) m.direction = add.direction;
}
