/**
 * Writing what the desk keeps, and what a person asks for with `--out`, so that only its owner can
 * read it and no link or existing file is silently followed or replaced. The one helper for it:
 * the case store's SQLite file, the simulated accounts' state, the drill's files, `plan --out`,
 * `report --out`, `reply --out`, the DNS cache.
 *
 * - A file is created 0600 and a directory 0700 whatever the umask (the mode is set on the open
 *   file, not left to `mode & ~umask`).
 * - A file is never written through a symbolic link (O_NOFOLLOW), and an existing file is never
 *   replaced unless asked (`force`: --force); a refusal is exit 73 ("cannot create", sysexits).
 * - A directory of the desk's own (the data directory and those under it) that exists with a mode
 *   open to others is made 0700 when it is the user's own, and refused with a sentence saying what
 *   to do otherwise (someone else's, or a shared sticky directory such as /tmp).
 */
import { chmodSync, closeSync, constants, existsSync, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { environmentError, UserError } from "./errors.ts";

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, "0");

/**
 * A directory of the desk's own, created 0700 (with its missing parents, 0700 too); an existing one
 * with a wider mode is made 0700 if it belongs to the user, else refused (exit 77).
 */
export function ensurePrivateDir(path: string, what = "the data directory"): string {
  try {
    mkdirSync(path, { recursive: true, mode: DIR_MODE });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw notADirectory(path, what);
    throw environmentError(err, path, what) ?? new UserError(`${path}: cannot create ${what} (${String(err)})`, { exitCode: 73, cause: err });
  }
  const st = statSync(path);
  if (!st.isDirectory()) throw notADirectory(path, what);
  if ((st.mode & 0o7777) === DIR_MODE) return path;
  const mine = typeof process.getuid !== "function" || st.uid === process.getuid();
  const sticky = (st.mode & 0o1000) !== 0;
  if (!mine || sticky) {
    throw new UserError(
      `${path}: ${what} is ${mine ? "a shared directory" : "someone else's"} (mode ${octal(st.mode)}): the case store and the evidence must not be kept where others can read them`,
      { exitCode: 77, hint: "choose a directory of your own (ABUSE_DESK_HOME), or make it private: chmod 700 " + path },
    );
  }
  try {
    chmodSync(path, DIR_MODE);
  } catch (err) {
    throw new UserError(`${path}: ${what} is open to others (mode ${octal(st.mode)}) and cannot be made private (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      exitCode: 77,
      hint: "chmod 700 " + path,
      cause: err,
    });
  }
  return path;
}

function notADirectory(path: string, what: string): UserError {
  return new UserError(`${path}: ${what} is not a directory (a file is in its place)`, {
    kind: "cannot-create",
    hint: `move the file away (mv ${path} ${path}.old), or choose another directory (ABUSE_DESK_HOME)`,
  });
}

function refusal(path: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case "EEXIST":
      return new UserError(`${path}: cannot create: the file exists, and is not overwritten`, { exitCode: 73, hint: "give --force to replace it, or another path" });
    case "ELOOP":
      return new UserError(`${path}: cannot create: it is a symbolic link, which is never followed`, { exitCode: 73, hint: "give the path of a regular file" });
    case "EISDIR":
      return new UserError(`${path}: cannot create: it is a directory`, { exitCode: 73 });
    case "ENXIO":
      return new UserError(`${path}: cannot create: it is not a regular file`, { exitCode: 73 });
    default:
      return new UserError(`${path}: cannot create (${code ?? String(err)})`, { exitCode: 73, cause: err });
  }
}

/**
 * Writes a file only its owner can read (0600 whatever the umask): never through a symbolic link,
 * never over an existing file unless `force` (and then only over a regular file). Exit 73 otherwise.
 */
export function writePrivateFile(path: string, data: string | Uint8Array, opts: { force?: boolean } = {}): void {
  // O_NONBLOCK: a FIFO with no reader is refused (ENXIO) rather than waited on; a regular file ignores it.
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK | (opts.force ? constants.O_TRUNC : constants.O_EXCL);
  let fd: number;
  try {
    fd = openSync(path, flags, FILE_MODE);
  } catch (err) {
    // A link says ELOOP under O_NOFOLLOW (EMLINK or EFTYPE on some systems), EEXIST under O_EXCL: named for what it is.
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === "EEXIST" || code === "EMLINK" || code === "EFTYPE") && lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) throw refusal(path, Object.assign(new Error(), { code: "ELOOP" }));
    throw refusal(path, err);
  }
  try {
    if (!fstatSync(fd).isFile()) throw refusal(path, Object.assign(new Error(), { code: "ENXIO" }));
    fchmodSync(fd, FILE_MODE);
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces a file of the desk's own all at once (a new private file beside it, then renamed over
 * it): a crash leaves the old file or the new one, never half of one; a link at the path is
 * replaced, never followed.
 */
export function replacePrivateFile(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  try {
    writePrivateFile(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * A file of the desk's own that another program creates (SQLite's database and its -wal and -shm
 * files): created empty and 0600 first when missing, and made 0600 when it exists.
 */
export function makePrivateFile(path: string): void {
  if (!existsSync(path)) {
    try {
      writePrivateFile(path, "");
    } catch (err) {
      if (!(err instanceof UserError) || !existsSync(path)) throw err;
    }
  }
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return; // a link the user made (to a database elsewhere): its target is theirs to mind
  if ((st.mode & 0o777) !== FILE_MODE) chmodSync(path, FILE_MODE);
}
