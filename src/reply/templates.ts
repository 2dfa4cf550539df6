/**
 * Where the reply templates come from: the ones shipped in `templates/reply/`, overridden file by
 * file by a directory the user names (configuration `reply.templates`, or `templates/reply/` in the
 * data directory). A message template is `<name>.md`; a partial it includes with `{{> name}}` is
 * `partials/<name>.md`. An override directory only needs the files it changes.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compile, type CompiledTemplate, TemplateError } from "./template.ts";

const FILE = /^([a-z0-9][a-z0-9_-]*)\.md$/;
/** A template larger than this is a mistake (a log pasted into the wrong file), not a reply. */
const MAX_TEMPLATE_BYTES = 256 * 1024;

export interface TemplateSet {
  /** A message template (`intrusion`, `legitimate`...). */
  message(name: string): CompiledTemplate | undefined;
  /** A partial (`actions`, `evidence`...). */
  partial(name: string): CompiledTemplate | undefined;
  /** Where each template was read from, for `--json` and error messages. */
  origins: Record<string, string>;
}

/** The directory of the templates shipped with abuse-desk. */
export function shippedTemplateDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "../../templates/reply");
}

/**
 * Reads and compiles the templates of `dirs`, the first directory winning over later ones; the
 * shipped directory is always consulted last. Throws TemplateError for a template that does not
 * parse, naming its file.
 */
export function loadTemplates(overrideDirs: string[] = []): TemplateSet {
  const messages = new Map<string, CompiledTemplate>();
  const partials = new Map<string, CompiledTemplate>();
  const origins: Record<string, string> = {};
  const dirs = [shippedTemplateDir(), ...[...overrideDirs].reverse()];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const [sub, into, prefix] of [
      [dir, messages, ""],
      [join(dir, "partials"), partials, "partials/"],
    ] as const) {
      if (!existsSync(sub)) continue;
      for (const file of readdirSync(sub).sort()) {
        const m = FILE.exec(file);
        if (!m) continue;
        const path = join(sub, file);
        const st = statSync(path);
        if (!st.isFile()) continue;
        if (st.size > MAX_TEMPLATE_BYTES) throw new TemplateError(`${path} is larger than ${MAX_TEMPLATE_BYTES} bytes`, prefix + m[1]!, 0);
        const name = prefix + m[1]!;
        // Compiled under its path, so an error in an edited template names the file to fix.
        into.set(m[1]!, compile(path, readFileSync(path, "utf8")));
        origins[name] = path;
      }
    }
  }
  return { message: (n) => messages.get(n), partial: (n) => partials.get(n), origins };
}

let shipped: TemplateSet | undefined;
/** The shipped templates, read once. */
export function shippedTemplates(): TemplateSet {
  shipped ??= loadTemplates();
  return shipped;
}
