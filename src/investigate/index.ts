/**
 * The investigation of a case: build the Subject from the case (subject.ts), run the readers
 * (readers.ts: CloudTrail, VPC flow logs, the host, the credentials) concurrently, keep every
 * artifact as case evidence (SHA-256 computed by the store), and keep the run with its findings,
 * activity verdicts and what could not be searched (src/case/investigations.ts).
 *
 * What is said is true: a reader that throws, or returns something that is not an
 * InvestigationPart, is "not searched" with the reason; a reader this build does not have is "not
 * searched" too; an artifact that could not be kept is said. A run with anything not searched is
 * `partial`, never `complete`.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { ReaderOutcome, StoredInvestigation } from "../case/investigations.ts";
import type { CaseStore, Evidence, EvidenceInput } from "../case/types.ts";
import type { CloudPort } from "../cloud/port.ts";
import { UserError } from "../errors.ts";
import { READER_TITLES, READERS, type NamedReader, type ReaderName } from "./readers.ts";
import { buildSubject } from "./subject.ts";
import type { ActivityVerdict, Finding, InvestigateContext, InvestigateOptions, InvestigationPart, NotSearched, Subject } from "./types.ts";

export type { NamedReader, ReaderName } from "./readers.ts";

export const DEFAULT_INVESTIGATE_OPTIONS: InvestigateOptions = { marginMinutes: 30, engine: "local", hostTimeoutSeconds: 120 };

/** A finding's or a verdict's text comes from data the account holds (hostile: a process name, a user agent): bounded before it is kept. */
const MAX_TEXT = 4000;
const MAX_FINDINGS_PER_READER = 1000;

export interface InvestigateDeps {
  port: CloudPort;
  options: InvestigateOptions;
  /** Default: READERS (readers.ts). */
  readers?: NamedReader[];
  /** Only these readers (`--only`); default every reader. */
  only?: ReaderName[];
  now?: () => Date;
  /** One line per step, for a person (stderr). */
  progress?: (message: string) => void;
  signal?: AbortSignal;
  actor?: string;
  /** Where artifacts a reader wrote to a file are kept once the run's scratch directory is removed (default: the data directory's `evidence/`). */
  evidenceDir: string;
  /** Where the run's scratch directory is made (default: the OS temporary directory). */
  scratchDir?: string;
}

export interface InvestigationOutcome {
  investigation: StoredInvestigation;
  subject: Subject;
  evidence: Evidence[];
  /** True when the case had no recorded resolution and it was resolved for this run. */
  resolvedNow: boolean;
}

export function parseOnly(value: string | undefined): ReaderName[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const known = Object.keys(READER_TITLES);
  const bad = names.filter((n) => !known.includes(n));
  if (bad.length || names.length === 0) throw new UserError(`--only: ${bad.length ? `unknown reader ${bad.join(", ")}` : "name at least one reader"}; one or more of ${known.join(", ")}`, { exitCode: 64 });
  return [...new Set(names)] as ReaderName[];
}

const clip = (s: unknown, n = MAX_TEXT) => {
  const t = typeof s === "string" ? s : String(s);
  return t.length > n ? `${t.slice(0, n)}...` : t;
};

function isPart(v: unknown): v is InvestigationPart {
  const p = v as InvestigationPart;
  return !!p && typeof p === "object" && Array.isArray(p.findings) && Array.isArray(p.artifacts) && Array.isArray(p.notSearched);
}

function cleanFinding(f: Finding): Finding {
  return {
    ...f,
    kind: clip(f.kind, 200),
    subject: clip(f.subject ?? "", 500),
    summary: clip(f.summary),
    sources: (Array.isArray(f.sources) ? f.sources : []).slice(0, 50).map((s) => ({ evidence: clip(s.evidence, 500), ...(s.query !== undefined ? { query: clip(s.query, 20_000) } : {}) })),
  };
}

function cleanNotSearched(n: NotSearched, fallbackWhat: string): NotSearched {
  return { what: clip(n?.what ?? fallbackWhat, 500), ...(n?.scope ? { scope: n.scope } : {}), reason: clip(n?.reason ?? "no reason given") };
}

/** Investigates a case: every reader (or `only`), concurrently; everything kept with the case. */
export async function investigateCase(store: CaseStore, caseRef: string, deps: InvestigateDeps): Promise<InvestigationOutcome> {
  const now = deps.now ?? (() => new Date());
  const say = deps.progress ?? (() => undefined);
  const actorOpt = deps.actor ? { actor: deps.actor } : {};
  const c = await store.requireCase(caseRef);
  const startedAt = now().toISOString();
  say(`${c.id}: building the subject from the case`);
  const { subject, resolvedNow } = await buildSubject(store, c, { marginMinutes: deps.options.marginMinutes, now: now(), port: deps.port, ...actorOpt });
  say(`${c.id}: ${subject.resources.length} resource${subject.resources.length === 1 ? "" : "s"}, ${subject.principals.length} principal${subject.principals.length === 1 ? "" : "s"}, window ${subject.window.start} .. ${subject.window.end}${subject.containedAt ? `, contained at ${subject.containedAt}` : ""}`);

  const available = deps.readers ?? READERS;
  const wanted = deps.only ?? (Object.keys(READER_TITLES) as ReaderName[]);
  const scratch = await mkdtemp(join(deps.scratchDir ?? tmpdir(), "abuse-desk-investigate-"));
  const parts: { name: ReaderName; part: InvestigationPart; outcome: ReaderOutcome }[] = [];
  try {
    await Promise.all(
      wanted.map(async (name) => {
        const r = available.find((x) => x.name === name);
        const title = READER_TITLES[name].title;
        if (!r) {
          const reason = "this build has no reader for it";
          parts.push({ name, part: { findings: [], artifacts: [], notSearched: [{ what: title, reason }] }, outcome: { name, status: "skipped", findings: 0, artifacts: 0, error: reason } });
          say(`${name}: NOT SEARCHED (${reason})`);
          return;
        }
        const workDir = join(scratch, name);
        await mkdir(workDir, { mode: 0o700 });
        const ctx: InvestigateContext = {
          port: deps.port,
          options: deps.options,
          now,
          workDir,
          progress: (m) => say(`${name}: ${m}`),
          ...(deps.signal ? { signal: deps.signal } : {}),
        };
        say(`${name}: reading ${title}`);
        try {
          const read = await r.load();
          const got: unknown = await read(ctx, subject);
          if (!isPart(got)) throw new Error("the reader returned no findings, artifacts and not-searched lists");
          const part: InvestigationPart = {
            findings: got.findings.slice(0, MAX_FINDINGS_PER_READER).map(cleanFinding),
            artifacts: got.artifacts,
            notSearched: got.notSearched.map((n) => cleanNotSearched(n, title)),
            ...(got.activity ? { activity: got.activity } : {}),
          };
          if (got.findings.length > MAX_FINDINGS_PER_READER) part.notSearched.push({ what: `${title}: findings past the first ${MAX_FINDINGS_PER_READER}`, reason: `${got.findings.length} findings; the rest were not kept` });
          parts.push({ name, part, outcome: { name, status: "ran", findings: part.findings.length, artifacts: part.artifacts.length } });
          say(`${name}: ${part.findings.length} finding${part.findings.length === 1 ? "" : "s"}${part.notSearched.length ? `, ${part.notSearched.length} not searched` : ""}`);
        } catch (err) {
          const reason = clip((err as Error)?.message ?? String(err), 1000);
          parts.push({ name, part: { findings: [], artifacts: [], notSearched: [{ what: title, reason: `the reader failed: ${reason}` }] }, outcome: { name, status: "failed", findings: 0, artifacts: 0, error: reason } });
          say(`${name}: NOT SEARCHED (the reader failed: ${reason})`);
        }
      }),
    );
    // Listed in the readers' order, whichever finished first.
    parts.sort((a, b) => wanted.indexOf(a.name) - wanted.indexOf(b.name));

    const evidence: Evidence[] = [];
    const notSearched: NotSearched[] = [];
    const stamp = startedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    let n = 0;
    for (const { name, part } of parts) {
      for (const a of part.artifacts) {
        try {
          const input = await keepArtifact(a, { scratch, evidenceDir: join(deps.evidenceDir, c.id), name: `${stamp}-${name}-${++n}-${randomBytes(4).toString("hex")}` });
          evidence.push(await store.addEvidence(c.id, { ...input, ...actorOpt }));
        } catch (err) {
          notSearched.push({ what: `evidence "${clip(a?.label ?? "?", 200)}" from ${READER_TITLES[name].title}`, reason: `it could not be kept: ${clip((err as Error)?.message ?? String(err), 500)}` });
        }
      }
      notSearched.push(...part.notSearched);
    }
    const activity: ActivityVerdict[] = parts.flatMap((p) => (p.part.activity ? [{ ...p.part.activity, query: clip(p.part.activity.query, 20_000) }] : []));
    const investigation = await store.recordInvestigation(
      c.id,
      {
        startedAt,
        finishedAt: now().toISOString(),
        options: { ...deps.options, only: wanted },
        subject: subject as unknown as Record<string, unknown>,
        readers: parts.map((p) => p.outcome),
        findings: parts.flatMap((p) => p.part.findings),
        activity,
        notSearched,
        evidenceIds: evidence.map((e) => e.id),
      },
      actorOpt,
    );
    return { investigation, subject, evidence, resolvedNow };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * An artifact a reader wrote into its scratch directory is copied (under a generated name) into
 * the case's evidence directory before the scratch directory goes; content is kept in the store;
 * a path elsewhere (an S3 URI with its SHA-256) is kept as given.
 */
async function keepArtifact(a: EvidenceInput, where: { scratch: string; evidenceDir: string; name: string }): Promise<EvidenceInput> {
  if (!a || typeof a.label !== "string" || typeof a.source !== "string") throw new Error("an artifact needs a label and a source");
  const base: EvidenceInput = { ...a, label: clip(a.label, 500), source: clip(a.source, 1000) };
  if (a.content !== undefined || !a.path) return base;
  const abs = resolve(a.path);
  const rel = relative(where.scratch, abs);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return base;
  await mkdir(where.evidenceDir, { recursive: true, mode: 0o700 });
  const kept = join(where.evidenceDir, where.name);
  await copyFile(abs, kept);
  const { chmod } = await import("node:fs/promises");
  await chmod(kept, 0o600);
  // Hashed again by the store from the copy kept (a reader's hash is not taken on trust).
  const { sha256: _ignored, size: _size, ...rest } = base;
  return { ...rest, path: kept };
}
