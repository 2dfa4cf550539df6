/**
 * Loading an estate: YAML -> zod validation -> cross-reference checks -> simulator state.
 * Every problem is reported at once, each with the file position and the estate path of the bad
 * value (`sample.yaml:41:9 accounts[0].regions.eu-west-1.instances[2].state: ...`), as a
 * UserError, so a person fixing an estate by hand sees all of it in one run.
 */
import { readFileSync } from "node:fs";
import { LineCounter, parseDocument, type Document } from "yaml";
import { UserError } from "../../errors.ts";
import { estateSchema, type Estate, type EstateInput } from "./schema.ts";
import { applyEstateLogs } from "./logs-estate.ts";
import { applyInstanceProfiles } from "./profile.ts";
import { buildState, type EstateIssue, type Path } from "./build.ts";
import type { SimState } from "./state.ts";

/** At most this many problems are listed (the count of the rest is given). */
const MAX_LISTED = 25;

export class EstateError extends UserError {
  readonly issues: { path: string; where?: string; message: string }[];
  constructor(name: string, issues: { path: string; where?: string; message: string }[]) {
    const lines = issues.slice(0, MAX_LISTED).map((i) => `  ${i.where ? `${i.where} ` : ""}${i.path || "(top)"}: ${i.message}`);
    if (issues.length > MAX_LISTED) lines.push(`  ... and ${issues.length - MAX_LISTED} more`);
    super(`${name}: the estate is not valid (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`, {
      exitCode: 65,
      hint: "docs/sim.md describes the estate format",
    });
    this.name = "EstateError";
    this.issues = issues;
  }
}

/** `accounts[0].regions.eu-west-1.instances[2].state` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out;
}

type Locate = (path: Path) => string | undefined;

/** Validates an estate object and builds the simulator state, or throws EstateError. */
export function validateEstate(input: Estate | EstateInput | unknown, name: string, locate: Locate = () => undefined): SimState {
  return checkEstate(input, name, locate).state;
}

function checkEstate(input: unknown, name: string, locate: Locate): { estate: Estate; state: SimState } {
  const parsed = estateSchema.safeParse(input);
  if (!parsed.success) {
    throw new EstateError(
      name,
      parsed.error.issues.map((i) => {
        const path = i.path.filter((p): p is string | number => typeof p !== "symbol");
        const where = locate(path);
        return { path: formatPath(path), ...(where ? { where } : {}), message: i.message };
      }),
    );
  }
  const { state, issues } = buildState(parsed.data);
  if (issues.length === 0) issues.push(...applyInstanceProfiles(state, parsed.data), ...applyEstateLogs(state, parsed.data.logs));
  if (issues.length > 0) throw new EstateError(name, issues.map((i: EstateIssue) => ({ path: formatPath(i.path), ...(locate(i.path) ? { where: locate(i.path)! } : {}), message: i.message })));
  return { estate: parsed.data, state };
}

/** Parses estate YAML (a file's text) into the validated estate and its simulator state. */
export function parseEstate(text: string, name: string): { estate: Estate; state: SimState } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new EstateError(
      name,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { path: "", ...(pos ? { where: `${name}:${pos.line}:${pos.col}` } : {}), message: `YAML: ${e.message.split("\n")[0]}` };
      }),
    );
  }
  const locate = locator(doc, lineCounter, name);
  const data: unknown = doc.toJS({ maxAliasCount: 10_000 });
  return checkEstate(data, name, locate);
}

/** An estate file's text, or a UserError (exit 66) saying why it can't be read. */
export function readEstateText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === "ENOENT" ? `${path}: no such estate file` : `${path}: cannot read (${code ?? String(err)})`, { exitCode: 66, cause: err });
  }
}

export function loadEstateFile(path: string): { estate: Estate; state: SimState } {
  return parseEstate(readEstateText(path), path);
}

/** Maps an estate path to `file:line:col` of the value (or of the nearest enclosing node that exists). */
function locator(doc: Document, lc: LineCounter, name: string): Locate {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === "object" && node.range) {
        const pos = lc.linePos(node.range[0]);
        return `${name}:${pos.line}:${pos.col}`;
      }
    }
    return undefined;
  };
}
