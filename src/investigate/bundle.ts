/**
 * The evidence bundle of a case (`abuse-desk evidence export CASE --out bundle.tar[.gz]`): a tar
 * archive of every evidence artifact the case keeps, with `manifest.json` (label, source,
 * collectedAt, sha256, size of each) and `manifest.sha256` (`sha256sum -c` checks the bundle).
 *
 * - Names inside the archive are generated (`evidence/0001-<id>.bin`), never taken from a label or
 *   a path: a hostile label (`../../etc/passwd`, a NUL, a newline) cannot escape the archive or
 *   forge a manifest line; labels appear only as JSON strings in manifest.json.
 * - Every artifact is hashed as it is written and compared with the SHA-256 the store recorded: a
 *   changed artifact stops the export (exit 65) and the partial file is removed, so a bundle never
 *   vouches for what it does not hold.
 * - An artifact that is not a local file (an S3 URI) is listed in the manifest as not included,
 *   with where it is and its recorded hash.
 */
import { createHash } from "node:crypto";
import { constants, createReadStream, createWriteStream, openSync } from "node:fs";
import { lstat, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { Pack } from "tar-stream";
import type { CaseStore, Evidence } from "../case/types.ts";
import { UserError } from "../errors.ts";
import { writePrivateFile } from "../private-file.ts";

export const BUNDLE_FORMAT = "abuse-desk-evidence-bundle/1";

export interface ManifestItem {
  /** The file in the archive; absent when the artifact is not included. */
  file?: string;
  evidenceId: number;
  label: string;
  source: string;
  collectedAt: string;
  recordedAt: string;
  sha256: string;
  size: number | null;
  included: boolean;
  /** Where the artifact is, when it is not in the bundle. */
  location?: string;
  reason?: string;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  caseId: string;
  exportedAt: string;
  items: ManifestItem[];
  /** The case's investigations (findings, verdicts, not searched) as `investigations.json`. */
  investigations: { file: string; sha256: string; runs: number } | null;
}

export interface BundleResult {
  path: string;
  gzip: boolean;
  manifest: BundleManifest;
  /** SHA-256 of the bundle file itself. */
  sha256: string;
  size: number;
}

const hex = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

class Mismatch extends UserError {
  constructor(e: Evidence, got: string) {
    super(`evidence ${e.id} (${JSON.stringify(e.label).slice(0, 200)}): its content no longer matches the SHA-256 recorded when it was collected (recorded ${e.sha256}, now ${got}); nothing was exported`, {
      exitCode: 65,
      hint: "the artifact changed after it was kept: check it (abuse-desk audit verify) before anything is handed over",
    });
  }
}

/** Writes the bundle to `path` (created 0600, never over an existing file unless `force`, never through a link). */
export async function exportBundle(store: CaseStore, caseRef: string, path: string, opts: { force?: boolean; now?: Date; gzip?: boolean } = {}): Promise<BundleResult> {
  const c = await store.requireCase(caseRef);
  const evidence = await store.evidence(c.id);
  const gzip = opts.gzip ?? /\.(t?gz)$/i.test(path);
  const exportedAt = (opts.now ?? new Date()).toISOString();
  writePrivateFile(path, "", { force: opts.force === true });
  const { default: tar } = await import("tar-stream");
  const pack = tar.pack();
  const out = createWriteStream("", { fd: openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_TRUNC) });
  const bundleHash = createHash("sha256");
  let size = 0;
  const counting = async function* (src: AsyncIterable<unknown>) {
    for await (const c of src) {
      const chunk = c as Buffer;
      bundleHash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  };
  const written = gzip ? pipeline(pack, createGzip(), counting, out) : pipeline(pack, counting, out);
  const mtime = new Date(exportedAt);
  const entry = (name: string, bytes: Buffer) =>
    new Promise<void>((resolve, reject) => {
      pack.entry({ name, size: bytes.length, mode: 0o600, mtime, uid: 0, gid: 0, uname: "", gname: "" }, bytes, (err) => (err ? reject(err) : resolve()));
    });
  const sums: string[] = [];
  const items: ManifestItem[] = [];
  try {
    let n = 0;
    for (const e of evidence) {
      const base = { evidenceId: e.id, label: e.label, source: e.source, collectedAt: e.collectedAt, recordedAt: e.recordedAt, sha256: e.sha256, size: e.size };
      const file = `evidence/${String(++n).padStart(4, "0")}-${e.id}.bin`;
      if (e.content !== null) {
        const bytes = e.encoding === "base64" ? Buffer.from(e.content, "base64") : Buffer.from(e.content, "utf8");
        const got = hex(bytes);
        if (got !== e.sha256) throw new Mismatch(e, got);
        await entry(file, bytes);
      } else if (e.path && !/^[a-z][a-z0-9+.-]*:\/\//i.test(e.path)) {
        const st = await lstat(e.path).catch(() => null);
        if (!st || !st.isFile()) {
          items.push({ ...base, included: false, location: e.path, reason: !st ? "the file is no longer there" : "not a regular file (a link is never followed)" });
          continue;
        }
        await streamEntry(pack, file, e, st.size, mtime);
      } else {
        items.push({ ...base, included: false, ...(e.path ? { location: e.path } : {}), reason: "not a local file: fetch it from where it is and check its SHA-256" });
        continue;
      }
      sums.push(`${e.sha256}  ${file}`);
      items.push({ ...base, file, included: true });
    }
    const runs = await store.investigations(c.id);
    let investigations: BundleManifest["investigations"] = null;
    if (runs.length) {
      const bytes = Buffer.from(JSON.stringify(runs, null, 2) + "\n", "utf8");
      await entry("investigations.json", bytes);
      investigations = { file: "investigations.json", sha256: hex(bytes), runs: runs.length };
      sums.push(`${investigations.sha256}  investigations.json`);
    }
    const manifest: BundleManifest = { format: BUNDLE_FORMAT, caseId: c.id, exportedAt, items, investigations };
    const mBytes = Buffer.from(JSON.stringify(manifest, null, 2) + "\n", "utf8");
    await entry("manifest.json", mBytes);
    sums.push(`${hex(mBytes)}  manifest.json`);
    await entry("manifest.sha256", Buffer.from(sums.join("\n") + "\n", "utf8"));
    pack.finalize();
    await written;
    const sha256 = bundleHash.digest("hex");
    await store.auditAppend([{ action: "evidence.exported", caseId: c.id, data: { items: items.length, included: items.filter((i) => i.included).length, sha256, size, gzip } }]);
    return { path, gzip, manifest, sha256, size };
  } catch (err) {
    pack.destroy(err as Error);
    await written.catch(() => undefined);
    await rm(path, { force: true });
    throw err;
  }
}

/** A file artifact streamed into the archive, hashed on the way; a different hash or size fails the entry. */
async function streamEntry(pack: Pack, name: string, e: Evidence, size: number, mtime: Date): Promise<void> {
  const h = createHash("sha256");
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    const header = { name, size, mode: 0o600, mtime, uid: 0, gid: 0, uname: "", gname: "" };
    if (size === 0) {
      pack.entry(header, Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
      return;
    }
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    let fd: number;
    try {
      fd = openSync(e.path!, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      reject(err as Error);
      return;
    }
    const src = createReadStream("", { fd, end: size - 1 });
    src.on("data", (chunk) => {
      h.update(chunk as Buffer);
      seen += (chunk as Buffer).length;
    });
    src.on("error", reject);
    src.pipe(sink as unknown as NodeJS.WritableStream);
  });
  const got = h.digest("hex");
  if (seen !== size || got !== e.sha256) throw new Mismatch(e, got);
}
