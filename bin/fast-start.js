// The fast start of `abuse-desk --version` and `--help` (plain JavaScript: it runs before tsx is
// loaded, which alone takes longer than the 300 ms a person waits for help).
//
// - `--version` / `-V` is read from package.json (main.ts reads the same field).
// - A help request (`--help`, `-h`, `help [COMMAND...]`, `COMMAND... --help`) is answered from a
//   cache of what the full CLI printed for the same request: the first request runs the full CLI
//   and keeps its output; the cache is keyed by the size, modification and change times and inode
//   of every source file and of the lock file, the version, the request and the terminal width,
//   so any change to the code makes a new entry and the help printed is always the code's own. The cache is a private directory
//   ($XDG_CACHE_HOME/abuse-desk, else ~/.cache/abuse-desk; 0700, files 0600); one that is not the
//   user's own or is open to others is not used.
import { createHash } from "node:crypto";
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, constants } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export function version() {
  return JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
}

/** The request as a cache key part, or null when these arguments are not a plain help request. */
export function helpRequest(args) {
  if (args.length === 0 || args.length > 4) return null;
  const words = args.filter((a) => !a.startsWith("-"));
  const flags = args.filter((a) => a.startsWith("-"));
  if (!words.every((w) => /^[a-z][a-z-]{0,30}$/.test(w))) return null;
  if (flags.length === 1 && (flags[0] === "--help" || flags[0] === "-h") && args.at(-1) === flags[0]) return ["--help", ...words].join(" ");
  if (flags.length === 0 && words[0] === "help") return ["help", ...words.slice(1)].join(" ");
  return null;
}

function cacheDir(env = process.env) {
  const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "abuse-desk");
}

/**
 * What every file the help is made from is now: its size, modification time, change time and
 * inode. The change time is set by the kernel on any write and cannot be set back (\`touch -d\`,
 * \`cp -p\`, tar and rsync restore only the modification time), and a file replaced by another has
 * a new inode: an edit that keeps the size and restores the time still makes a new stamp.
 */
export function sourceStamp(base = root) {
  const h = createHash("sha256");
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = statSync(p);
        h.update(`${p}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}\0${st.ino}\n`);
      }
    }
  };
  walk(join(base, "src"));
  for (const f of ["package.json", "package-lock.json", "bin/abuse-desk.js", "bin/fast-start.js"]) {
    try {
      const st = statSync(join(base, f));
      h.update(`${f}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}\0${st.ino}\n`);
    } catch {
      h.update(`${f}\0-\n`);
    }
  }
  return h.digest("hex");
}

/** The cache entry's name: the sources' stamp, the version, the terminal width and the request, all of them. */
export function helpKey(stamp, ver, width, request) {
  return createHash("sha256").update(`${stamp}\0${ver}\0${width}\0${request}`).digest("hex").slice(0, 32);
}

function cacheFile(request) {
  const width = process.stdout.isTTY ? process.stdout.columns ?? 0 : 0;
  return join(cacheDir(), `help-${helpKey(sourceStamp(), version(), width, request)}.txt`);
}

/** The directory is the user's own and closed to others: else nothing in it is believed. */
function privateDir(dir) {
  const st = statSync(dir);
  const uid = typeof process.getuid === "function" ? process.getuid() : null;
  return st.isDirectory() && (uid === null || st.uid === uid) && (st.mode & 0o077) === 0;
}

/** The cached help for this request, or null. */
export function cachedHelp(request) {
  try {
    const file = cacheFile(request);
    if (!privateDir(dirname(file))) return null;
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const st = fstatSync(fd);
      const uid = typeof process.getuid === "function" ? process.getuid() : null;
      if (!st.isFile() || (uid !== null && st.uid !== uid) || (st.mode & 0o022) !== 0 || st.size > 1_000_000) return null;
      return readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** Keeps what the full CLI printed for a help request (best effort: a cache that cannot be written is no cache). */
export function keepHelp(request, text) {
  try {
    const file = cacheFile(request);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    if (!privateDir(dirname(file))) return;
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600, flag: "wx" });
    renameSync(tmp, file);
  } catch {
    // no cache this time
  }
}
