/**
 * The directory source: drop a notice (`.eml`, a Health event `.json`, an mbox, pasted text) in a
 * folder and the service takes it in. The simplest setup: a mail rule or a script that saves
 * messages there, or a person.
 *
 * Each regular file directly in the folder (not a dotfile, not `*.tmp` or `*.part`: write there
 * and rename when done; never a symbolic link, never a subfolder) is read, handed to the sink,
 * and only once the sink has kept it moved to `processed/` (or deleted, `after: delete`). A file
 * larger than the limit is moved to `rejected/` unread, and said so. A file still being written
 * (modified within `settleMs`) waits for the next scan. The folder is watched (fs.watch) and
 * scanned every `pollMs` as well, so a missed event only delays a file.
 */
import { createHash } from "node:crypto";
import { constants, watch, type FSWatcher } from "node:fs";
import { lstat, mkdir, open, readdir, rename, unlink } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import type { SourceDeps } from "./registry.ts";
import type { ArrivalSink, IntakeSource, SourceHealth, SourceState } from "./types.ts";

export const dirSchema = z
  .object({
    name: z.string().optional(),
    /** The folder watched (relative paths are taken from the data directory; `~/` is your home). */
    path: z.string().min(1),
    /** What becomes of a file once kept: moved to `processed/` in the folder (default) or deleted. */
    after: z.enum(["move", "delete"]).default("move"),
    pollMs: z.number().int().min(50).max(3_600_000).default(2000),
    /** A file modified less than this long ago may still be being written: it waits for the next scan. */
    settleMs: z.number().int().min(0).max(600_000).default(500),
  })
  .strict();

export type DirConfig = z.output<typeof dirSchema>;

const SKIP = /^\.|\.(tmp|part|partial|swp)$|~$/i;

export function resolveDir(path: string, home: string): string {
  if (path === "~" || path.startsWith("~/")) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(home, path);
}

export function dirSource(config: DirConfig, deps: SourceDeps): IntakeSource {
  return new DirSource(config, deps);
}

class DirSource implements IntakeSource {
  readonly kind = "dir";
  readonly name: string;
  private readonly dir: string;
  private state: SourceState = "starting";
  private since = new Date().toISOString();
  private lastError: string | null = null;
  private lastOkAt: string | null = null;
  private received = 0;
  /** The last scan left a file that was still being written. */
  private deferred = false;

  constructor(
    private readonly config: DirConfig,
    private readonly deps: SourceDeps,
  ) {
    this.name = config.name ?? "dir";
    this.dir = resolveDir(config.path, deps.home);
  }

  health(): SourceHealth {
    return { name: this.name, kind: this.kind, state: this.state, since: this.since, lastError: this.lastError, lastOkAt: this.lastOkAt, received: this.received };
  }

  private setState(s: SourceState, error: string | null = null): void {
    if (s !== this.state) {
      this.state = s;
      this.since = new Date().toISOString();
    }
    if (s === "ok") {
      this.lastOkAt = new Date().toISOString();
      this.lastError = null;
    } else if (error) {
      this.lastError = error;
    }
  }

  async drain(sink: ArrivalSink, signal: AbortSignal): Promise<number> {
    return this.scan(sink, signal);
  }

  async run(sink: ArrivalSink, signal: AbortSignal): Promise<void> {
    let wake: (() => void) | null = null;
    let watcher: FSWatcher | null = null;
    const startWatch = () => {
      if (watcher) return;
      try {
        watcher = watch(this.dir, { persistent: false }, () => wake?.());
        watcher.on("error", () => {
          watcher?.close();
          watcher = null;
        });
      } catch {
        watcher = null; // polling still finds everything
      }
    };
    try {
      while (!signal.aborted) {
        this.deferred = false;
        await this.scan(sink, signal);
        startWatch();
        // a file still being written is looked at again once it has settled, not a whole poll later
        const wait = this.deferred ? Math.min(this.config.pollMs, Math.max(50, this.config.settleMs)) : this.config.pollMs;
        await new Promise<void>((r) => {
          const t = setTimeout(done, wait);
          function done() {
            clearTimeout(t);
            signal.removeEventListener("abort", done);
            r();
          }
          wake = done;
          signal.addEventListener("abort", done, { once: true });
        });
        wake = null;
      }
    } finally {
      (watcher as FSWatcher | null)?.close();
      this.setState("stopped");
    }
  }

  /** One pass over the folder; returns how many arrivals the sink kept. */
  private async scan(sink: ArrivalSink, signal: AbortSignal): Promise<number> {
    let names: string[];
    try {
      // created private when missing; an existing folder keeps its mode (a mail agent may write there)
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      names = (await readdir(this.dir, { withFileTypes: true })).filter((d) => d.isFile() && !SKIP.test(d.name)).map((d) => d.name).sort();
    } catch (err) {
      this.setState("failing", `cannot read the folder ${this.dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      this.deps.log.warn({ source: this.name, err: this.lastError }, "intake folder unreadable");
      return 0;
    }
    let kept = 0;
    for (const name of names) {
      if (signal.aborted) break;
      const file = join(this.dir, name);
      let read: { raw: Buffer; mtime: Date } | "skip" | "too-big";
      try {
        read = await this.readFile(file);
      } catch (err) {
        // vanished, or replaced by something that is not a regular file: not ours to take
        this.deps.log.debug({ source: this.name, file: name, err: (err as NodeJS.ErrnoException).code ?? String(err) }, "file skipped");
        continue;
      }
      if (read === "skip") {
        this.deferred = true;
        continue;
      }
      if (read === "too-big") {
        await this.moveTo(file, "rejected").catch(() => undefined);
        this.deps.log.warn({ source: this.name, file: name, limit: this.deps.maxBytes }, "file larger than the intake limit: moved to rejected/ unread");
        continue;
      }
      const sha = createHash("sha256").update(read.raw).digest("hex");
      try {
        const receipt = await sink({ raw: read.raw, source: this.name, ref: `${name}#${sha}`, receivedAt: new Date(), meta: { file: name, folder: this.dir } });
        if (!receipt.duplicate) {
          this.received++;
          kept++;
        }
      } catch (err) {
        // not kept: the file stays where it is, and is offered again on the next scan
        this.setState("failing", `the store could not keep ${name}: ${(err as Error).message}`);
        this.deps.log.error({ source: this.name, file: name, err: (err as Error).message }, "arrival not kept; the file stays for the next scan");
        return kept;
      }
      try {
        if (this.config.after === "delete") await unlink(file);
        else await this.moveTo(file, "processed");
      } catch (err) {
        // kept, but still in the folder: the next scan offers it again and the sink says duplicate
        this.deps.log.warn({ source: this.name, file: name, err: (err as NodeJS.ErrnoException).code ?? String(err) }, "kept, but could not be moved out of the folder");
      }
    }
    this.setState("ok");
    return kept;
  }

  private async readFile(file: string): Promise<{ raw: Buffer; mtime: Date } | "skip" | "too-big"> {
    // O_NOFOLLOW: a symbolic link swapped in after the listing is refused, never followed.
    const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = await fh.stat();
      if (!st.isFile()) return "skip";
      if (st.size > this.deps.maxBytes) return "too-big";
      if (this.config.settleMs > 0 && Date.now() - st.mtimeMs < this.config.settleMs) return "skip";
      const buf = Buffer.alloc(st.size);
      let off = 0;
      while (off < st.size) {
        const { bytesRead } = await fh.read(buf, off, st.size - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      // grew while being read: still being written
      if (off < st.size || (await fh.stat()).size !== st.size) return "skip";
      return { raw: buf, mtime: st.mtime };
    } finally {
      await fh.close();
    }
  }

  private async moveTo(file: string, sub: "processed" | "rejected"): Promise<void> {
    const target = join(this.dir, sub);
    await mkdir(target, { recursive: true, mode: 0o700 });
    const st = await lstat(target);
    if (!st.isDirectory()) throw new Error(`${target} is not a directory`);
    const name = basename(file);
    let dest = join(target, name);
    for (let i = 1; await exists(dest); i++) dest = join(target, `${name}.${i}`);
    await rename(file, dest);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}
