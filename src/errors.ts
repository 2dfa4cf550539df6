/**
 * The errors a person can act on, their kinds, and the one table that maps a kind to the exit
 * status every command documents (sysexits). The CLI prints `message` (and `hint`, when given)
 * without a stack trace; `exitStatus()` is the only place an error becomes an exit status.
 */

/** What went wrong, in the terms of what a person can do about it. */
export type ErrorKind =
  | "usage" // the command line is wrong (commander's own errors too)
  | "bad-input" // a notice, plan or file that cannot be used as it is
  | "missing" // a file, case or plan that does not exist
  | "unavailable" // a service (AWS, SMTP, DNS) or an account/region that could not be read
  | "cannot-create" // a file or directory that cannot be written: the data directory, --out
  | "locked" // a plan being applied or rolled back by someone else; try again later
  | "not-permitted" // an IAM action denied, a plan refused, a directory open to others
  | "config" // the configuration (config.yaml, environment, credentials) is wrong
  | "cancelled"; // a person answered no

/** THE table: kind -> exit status (docs/commands.md and the README print it). */
export const EXIT_STATUS: Readonly<Record<ErrorKind, number>> = {
  usage: 64,
  "bad-input": 65,
  missing: 66,
  unavailable: 69,
  "cannot-create": 73,
  locked: 75,
  "not-permitted": 77,
  config: 78,
  cancelled: 1,
};

/** An unexpected failure (a defect): EX_SOFTWARE, printed with its stack. */
export const EX_SOFTWARE = 70;

const KIND_OF_STATUS = new Map<number, ErrorKind>(Object.entries(EXIT_STATUS).map(([k, v]) => [v, k as ErrorKind]));

/** The kind an exit status stands for (the older `exitCode:` form of UserError maps through the same table). */
export function kindOfStatus(status: number): ErrorKind {
  const kind = KIND_OF_STATUS.get(status);
  if (!kind) throw new Error(`exit status ${status} is not in the table of error kinds (src/errors.ts EXIT_STATUS)`);
  return kind;
}

/**
 * An error the user can act on: bad input, missing configuration, a refused action. Give its
 * `kind` (or, as older code does, the `exitCode` of a kind in EXIT_STATUS).
 */
export class UserError extends Error {
  readonly kind: ErrorKind;
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(message: string, opts: { kind?: ErrorKind; exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "UserError";
    // An exit status outside the table is kept as given (a test scans the sources for any: test/cli/exit-codes.test.ts).
    this.exitCode = opts.kind ? EXIT_STATUS[opts.kind] : (opts.exitCode ?? EXIT_STATUS["bad-input"]);
    this.kind = opts.kind ?? KIND_OF_STATUS.get(this.exitCode) ?? "bad-input";
    this.hint = opts.hint;
  }
}

/** What the system said, and what a person does about it, for the errors the environment causes. */
const ENVIRONMENT: Record<string, { says: string; fix: (path: string) => string; kind: ErrorKind }> = {
  EACCES: { says: "permission denied", fix: (p) => `make it writable by you (ls -ld ${p}; chown or chmod it), or choose another directory (ABUSE_DESK_HOME)`, kind: "cannot-create" },
  EPERM: { says: "operation not permitted", fix: (p) => `make it writable by you (ls -ld ${p}), or choose another directory (ABUSE_DESK_HOME)`, kind: "cannot-create" },
  EROFS: { says: "on a read-only file system", fix: () => "choose a directory on a writable file system (ABUSE_DESK_HOME)", kind: "cannot-create" },
  ENOTDIR: { says: "a part of the path is a file, not a directory", fix: (p) => `remove or rename the file in the way, or choose another directory (ABUSE_DESK_HOME); check with: ls -ld ${p}`, kind: "cannot-create" },
  EEXIST: { says: "something that is not a directory is in the way", fix: (p) => `remove or rename ${p}, or choose another directory (ABUSE_DESK_HOME)`, kind: "cannot-create" },
  EISDIR: { says: "it is a directory", fix: () => "give the path of a file", kind: "cannot-create" },
  ENOSPC: { says: "the disk is full", fix: () => "free some space, or choose a directory on another disk (ABUSE_DESK_HOME)", kind: "cannot-create" },
  EDQUOT: { says: "your disk quota is used up", fix: () => "free some space, or choose a directory on another disk (ABUSE_DESK_HOME)", kind: "cannot-create" },
  ENOENT: { says: "no such file or directory", fix: () => "check the path", kind: "missing" },
  ELOOP: { says: "too many symbolic links", fix: () => "give the path of a real directory", kind: "cannot-create" },
  ENAMETOOLONG: { says: "the path is too long", fix: () => "choose a shorter path", kind: "cannot-create" },
  EMFILE: { says: "too many open files", fix: () => "raise the limit (ulimit -n)", kind: "unavailable" },
};

/**
 * A file-system error (errno) as a sentence naming the path and the fix: `what` says what the
 * path is ("the data directory", "the audit key"). Errors with no errno code pass through.
 */
export function environmentError(err: unknown, path: string, what: string): UserError | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== "string") return null;
  const known = ENVIRONMENT[code];
  if (!known) return new UserError(`${path}: cannot use ${what} (${code})`, { kind: "cannot-create", hint: `check the path and its permissions: ls -ld ${path}`, cause: err });
  return new UserError(`${path}: cannot use ${what}: ${known.says}`, { kind: known.kind, hint: known.fix(path), cause: err });
}

/**
 * An errno error that escaped without a sentence (Node's own fs errors carry the path): said as
 * one, not as a stack. Anything else is null.
 */
export function asEnvironmentError(err: unknown): UserError | null {
  const e = err as NodeJS.ErrnoException | null;
  if (!e || typeof e !== "object" || typeof e.code !== "string" || typeof e.syscall !== "string") return null;
  if (!ENVIRONMENT[e.code] && !/^E[A-Z]+$/.test(e.code)) return null;
  const path = typeof e.path === "string" ? e.path : null;
  if (!path) return null;
  return environmentError(err, path, e.syscall === "mkdir" || e.syscall === "scandir" || e.syscall === "opendir" ? "the directory" : "the file");
}
