/**
 * `abuse-desk evidence list|export`: a case's evidence (every artifact with its SHA-256, source and
 * time), and the bundle handed over: `export CASE --out bundle.tar[.gz]` writes the archive with
 * manifest.json and manifest.sha256 (src/investigate/bundle.ts); `--s3 s3://bucket/prefix
 * --retain-days N` also puts it into S3 under Object Lock retention.
 */
import { type Command, Option } from "commander";
import { CloudError } from "../cloud/errors.ts";
import type { PutObjectResult } from "../cloud/port-evidence.ts";
import { UserError } from "../errors.ts";

interface ExportOptions {
  out?: string;
  force?: boolean;
  s3?: string;
  retainDays?: string;
  lockMode?: "governance" | "compliance";
  bucketAccount?: string;
  account?: string;
  profile?: string;
  region?: string;
  json?: boolean;
}

/** Buckets the containment role may put evidence into by default (docs/iam/containment-policy.json, the StackSet's EvidenceBucketName). */
export const EVIDENCE_BUCKET_PATTERN = /^abuse-desk-evidence-[a-z0-9.-]+$/;

/**
 * An access-denied put into the evidence bucket, said as what to change: the containment role
 * writes only into the bucket its EvidenceBucketName parameter names (default abuse-desk-evidence-*).
 * Null for any other error.
 */
export function evidencePutDenied(err: unknown, bucket: string): UserError | null {
  if (!(err instanceof CloudError) || err.kind !== "access-denied") return null;
  const outside = !EVIDENCE_BUCKET_PATTERN.test(bucket);
  return new UserError(
    outside
      ? `AccessDenied: the containment role may put evidence bundles only into the bucket named by its EvidenceBucketName parameter (default: buckets named abuse-desk-evidence-*), and s3://${bucket} is not one; nothing was put into S3`
      : `AccessDenied: s3://${bucket} refused the evidence bundle (${err.action ?? "s3:PutObject"}); nothing was put into S3`,
    {
      exitCode: 77,
      hint: outside
        ? "put it into an abuse-desk-evidence-* bucket, or redeploy deploy/cloudformation/roles-stackset.yaml with EvidenceBucketName=" + bucket + " (docs/investigate.md)"
        : "check that the containment role was deployed with EvidenceBucketName naming this bucket, and the bucket's policy (docs/investigate.md)",
      cause: err,
    },
  );
}

/** `s3://bucket/prefix` -> its parts; the prefix may not climb (`..`) or hold control characters. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!m || m[1]!.includes("..")) throw new Error(`--s3: "${uri}" is not s3://BUCKET[/PREFIX] with a valid bucket name`);
  const prefix = (m[2] ?? "").replace(/\/+$/, "");
  if (prefix.split("/").some((s) => s === ".." || s === ".") || /[\x00-\x1f\x7f]/.test(prefix) || prefix.length > 800) throw new Error(`--s3: the prefix of "${uri}" may not hold . or .. segments or control characters`);
  return { bucket: m[1]!, prefix };
}

export function register(program: Command): void {
  const cmd = program.command("evidence").description("a case's evidence: list it, export it as a bundle with a manifest of SHA-256 (optionally into S3 under Object Lock)");

  cmd
    .command("list")
    .description("every artifact the case keeps, with its SHA-256, source and when it was collected")
    .argument("<case>", "case id (AD-2026-0001) or AWS's case number")
    .option("--json", "print JSON")
    .action(async (ref: string, o: { json?: boolean }) => {
      const { withStore, printJson } = await import("./io.ts");
      const items = await withStore(async (store) => store.evidence((await store.requireCase(ref)).id));
      if (o.json) return printJson(items.map(({ content: _c, ...e }) => e));
      for (const e of items) process.stdout.write(`${String(e.id).padStart(5)}  ${e.sha256}  ${e.collectedAt}  ${e.label}  (${e.source})\n`);
      if (!items.length) process.stdout.write("no evidence\n");
    });

  cmd
    .command("export")
    .description("write the case's evidence bundle: a tar (gzip with .gz/.tgz) of every artifact, manifest.json and manifest.sha256 (sha256sum -c); hashes checked as it is written")
    .argument("<case>", "case id (AD-2026-0001) or AWS's case number")
    .option("--out <file>", "the bundle file (.tar, .tar.gz or .tgz): created 0600, never through a symbolic link, never over an existing file (exit 73)")
    .option("--force", "with --out: replace an existing file (never a symbolic link)")
    .option("--s3 <uri>", "also put the bundle into S3 at s3://BUCKET/PREFIX/ (the bucket needs Object Lock enabled for --retain-days)")
    .option("--retain-days <n>", "with --s3: Object Lock retention, in days (1-36500)")
    .addOption(new Option("--lock-mode <mode>", "with --retain-days: governance (lifted only with s3:BypassGovernanceRetention) or compliance (by nobody until the date)").choices(["governance", "compliance"]).default("governance"))
    .option("--bucket-account <id>", "with --s3: the account that owns the bucket (default: the case's account)")
    .option("--account <spec>", "with --s3: the cloud to write to: sim, sim:PATH or aws (default: $ABUSE_DESK_ACCOUNT)")
    .option("--profile <name>", "AWS profile (with --account aws)")
    .option("--region <region>", "AWS home region (with --account aws)")
    .option("--json", "print what was written as JSON")
    .action(async (ref: string, o: ExportOptions) => {
      if (!o.out && !o.s3) throw new UserError("give --out FILE (and/or --s3 s3://BUCKET/PREFIX)", { exitCode: 64 });
      let s3: { bucket: string; prefix: string } | null = null;
      if (o.s3) {
        try {
          s3 = parseS3Uri(o.s3);
        } catch (err) {
          throw new UserError((err as Error).message, { exitCode: 64 });
        }
      }
      let retainDays: number | null = null;
      if (o.retainDays !== undefined) {
        if (!s3) throw new UserError("--retain-days goes with --s3", { exitCode: 64 });
        if (!/^\d{1,5}$/.test(o.retainDays) || Number(o.retainDays) < 1 || Number(o.retainDays) > 36500) throw new UserError(`--retain-days: "${o.retainDays}" is not a number of days from 1 to 36500`, { exitCode: 64 });
        retainDays = Number(o.retainDays);
      }
      if (o.bucketAccount !== undefined && !/^\d{12}$/.test(o.bucketAccount)) throw new UserError(`--bucket-account: "${o.bucketAccount}" is not a 12-digit account id`, { exitCode: 64 });
      const { exportBundle } = await import("../investigate/bundle.ts");
      const { withStore, printJson } = await import("./io.ts");
      const { mkdtempSync, readFileSync, rmSync, statSync } = await import("node:fs");
      const { join } = await import("node:path");
      const { tmpdir } = await import("node:os");
      const scratch = o.out ? null : mkdtempSync(join(tmpdir(), "abuse-desk-bundle-"));
      const now = new Date();
      try {
        const result = await withStore(async (store) => {
          const c = await store.requireCase(ref);
          const path = o.out ?? join(scratch!, `${c.id}.tar.gz`);
          const bundle = await exportBundle(store, c.id, path, { force: o.force === true, now });
          let put: PutObjectResult | null = null;
          if (s3) {
            const { EVIDENCE_PUT_MAX_BYTES } = await import("../cloud/port-evidence.ts");
            const size = statSync(path).size;
            if (size > EVIDENCE_PUT_MAX_BYTES) {
              throw new UserError(`the bundle is ${size} bytes, more than the ${EVIDENCE_PUT_MAX_BYTES} put into S3 at once; it was written${o.out ? ` to ${o.out}` : " nowhere (give --out)"}`, { exitCode: 65, hint: "upload it with aws s3 cp and set its retention with aws s3api put-object-retention" });
            }
            const owner = o.bucketAccount ?? c.accountId;
            if (!owner) throw new UserError("--s3: the case names no account; give --bucket-account ID (the account that owns the bucket)", { exitCode: 64 });
            const { openAccount } = await import("../config/account.ts");
            const port = await openAccount(o.account, { ...(o.profile ? { profile: o.profile } : {}), ...(o.region ? { region: o.region } : {}) });
            try {
              const body = readFileSync(path);
              const { createHash } = await import("node:crypto");
              const sha256 = createHash("sha256").update(body).digest("hex");
              if (sha256 !== bundle.sha256) throw new UserError(`${path}: the bundle changed after it was written (its SHA-256 is not the one computed while writing it); nothing was put into S3`, { exitCode: 65 });
              const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
              const key = `${s3.prefix ? `${s3.prefix}/` : ""}${c.id}/evidence-${stamp}.tar${bundle.gzip ? ".gz" : ""}`;
              const retention = retainDays ? { mode: o.lockMode === "compliance" ? ("COMPLIANCE" as const) : ("GOVERNANCE" as const), retainUntil: new Date(now.getTime() + retainDays * 86_400_000).toISOString() } : undefined;
              try {
                put = await port.putObject(owner, { bucket: s3.bucket, key, body, sha256, contentType: bundle.gzip ? "application/gzip" : "application/x-tar", ...(retention ? { retention } : {}) });
              } catch (err) {
                throw evidencePutDenied(err, s3.bucket) ?? err;
              }
              await store.addEvidence(c.id, {
                label: `evidence bundle s3://${s3.bucket}/${key}`,
                path: `s3://${s3.bucket}/${key}${put.versionId ? `?versionId=${put.versionId}` : ""}`,
                sha256,
                size: body.length,
                source: `s3:PutObject ${owner}${retention ? ` Object Lock ${retention.mode} until ${retention.retainUntil}` : ""}`,
              });
            } finally {
              port.close?.();
            }
          }
          return { bundle, put, path: o.out ?? null };
        });
        const m = result.bundle.manifest;
        if (o.json) {
          printJson({ caseId: m.caseId, out: result.path, sha256: result.bundle.sha256, size: result.bundle.size, gzip: result.bundle.gzip, items: m.items.length, included: m.items.filter((i) => i.included).length, notIncluded: m.items.filter((i) => !i.included), s3: result.put });
          return;
        }
        const included = m.items.filter((i) => i.included).length;
        if (result.path) process.stdout.write(`Evidence bundle of ${m.caseId} written to ${result.path}: ${included} of ${m.items.length} artifacts, sha256 ${result.bundle.sha256} (${result.bundle.size} bytes)\n`);
        for (const i of m.items.filter((x) => !x.included)) process.stdout.write(`  not included: evidence ${i.evidenceId} ${JSON.stringify(i.label)}: ${i.reason}${i.location ? ` (${i.location})` : ""}\n`);
        if (result.put) process.stdout.write(`Put into s3://${result.put.bucket}/${result.put.key}${result.put.versionId ? ` (version ${result.put.versionId})` : ""}${result.put.retention ? `, Object Lock ${result.put.retention.mode} until ${result.put.retention.retainUntil}` : ", no retention"}\n`);
      } finally {
        if (scratch) rmSync(scratch, { recursive: true, force: true });
      }
    });
}
