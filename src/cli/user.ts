/**
 * `abuse-desk user add|list|remove|passwd|role`: the web desk's local users (src/case/users.ts),
 * kept in the case store. Passwords come from a prompt on a terminal, or one line of standard
 * input with `--password-stdin` (scripts); never from an argument (it would sit in the process
 * list and the shell history). `--no-password`: a user who signs in only through the trusted proxy.
 */
import type { Command } from "commander";
import { Argument, Option } from "commander";
import { ROLES } from "../case/users.ts";

async function readPassword(o: { passwordStdin?: boolean }, confirmIt: boolean): Promise<string> {
  const { UserError } = await import("../errors.ts");
  if (o.passwordStdin) {
    const { readInput } = await import("./io.ts");
    const { bytes } = await readInput(undefined);
    const line = bytes.toString("utf8").split(/\r?\n/)[0] ?? "";
    if (!line) throw new UserError("no password on standard input", { exitCode: 65 });
    return line;
  }
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UserError("no terminal to ask for the password on", { exitCode: 64, hint: "pipe it in with --password-stdin, or use --no-password for a proxy-only user" });
  }
  const { password, isCancel } = await import("@clack/prompts");
  const { withTerminal } = await import("./io.ts");
  const first = await withTerminal(() => password({ message: "Password (12 characters or more)" }));
  if (isCancel(first) || typeof first !== "string") throw new UserError("cancelled: nothing was changed", { exitCode: 1 });
  if (confirmIt) {
    const again = await withTerminal(() => password({ message: "Again" }));
    if (isCancel(again) || again !== first) throw new UserError("the two passwords differ: nothing was changed", { exitCode: 65 });
  }
  return first;
}

export function register(program: Command): void {
  const cmd = program.command("user").description("the web desk's local users: add, list, remove, passwd, role");

  cmd
    .command("add")
    .description("add a user of the web desk (password prompted, or one line on stdin with --password-stdin)")
    .argument("<name>", "login name (letters, digits, . _ @ -)")
    .addOption(new Option("--role <role>", "viewer (reads), responder (notes, drafts, plans), approver (apply, rollback, send)").choices(ROLES).makeOptionMandatory())
    .option("--password-stdin", "read the password from the first line of standard input")
    .option("--no-password", "no password: signs in only through the trusted reverse proxy (web.proxy)")
    .option("--json", "print the user as JSON")
    .action(async (name: string, o: { role: (typeof ROLES)[number]; password: boolean; passwordStdin?: boolean; json?: boolean }) => {
      const { withStore, printJson } = await import("./io.ts");
      const { checkUserName, checkPasswordShape } = await import("../case/users.ts");
      checkUserName(name);
      const pw = o.password === false ? null : await readPassword(o, true);
      if (pw !== null) checkPasswordShape(pw);
      const u = await withStore((s) => s.users.addUser(name, o.role, pw));
      if (o.json) printJson(u);
      else process.stdout.write(`user ${u.name} added as ${u.role}${u.hasPassword ? "" : " (no password: proxy sign-in only)"}\n`);
    });

  cmd
    .command("list")
    .description("the users, their roles and last sign-in")
    .option("--json", "print JSON: { items: [{ name, role, hasPassword, createdAt, updatedAt, lastLoginAt }] }")
    .action(async (o: { json?: boolean }) => {
      const { withStore, printJson } = await import("./io.ts");
      const users = await withStore((s) => s.users.listUsers());
      if (o.json) return printJson({ items: users });
      if (users.length === 0) {
        process.stdout.write("no users yet: abuse-desk user add NAME --role approver\n");
        return;
      }
      const { renderTable } = await import("./table.ts");
      const { humanTime } = await import("../time.ts");
      const rows = users.map((u) => [u.name, u.role, u.hasPassword ? "password" : "proxy only", u.lastLoginAt ? humanTime(u.lastLoginAt) : "never"]);
      process.stdout.write(renderTable(rows, { head: ["USER", "ROLE", "SIGN-IN", "LAST SIGN-IN"], wrap: [0, 3] }) + "\n");
    });

  cmd
    .command("remove")
    .description("remove a user (their sessions end at once)")
    .argument("<name>", "login name")
    .option("--json", "print { removed: NAME }")
    .action(async (name: string, o: { json?: boolean }) => {
      const { withStore, printJson } = await import("./io.ts");
      await withStore((s) => s.users.removeUser(name));
      if (o.json) printJson({ removed: name });
      else process.stdout.write(`user ${name} removed\n`);
    });

  cmd
    .command("passwd")
    .description("set a user's password (their sessions end at once)")
    .argument("<name>", "login name")
    .option("--password-stdin", "read the password from the first line of standard input")
    .option("--json", "print the user as JSON")
    .action(async (name: string, o: { passwordStdin?: boolean; json?: boolean }) => {
      const { withStore, printJson } = await import("./io.ts");
      const { UserError } = await import("../errors.ts");
      const exists = await withStore((s) => s.users.getUser(name));
      if (!exists) throw new UserError(`no user ${name}`, { exitCode: 66, hint: "abuse-desk user list shows them" });
      const pw = await readPassword(o, true);
      const u = await withStore((s) => s.users.setPassword(name, pw));
      if (o.json) printJson(u);
      else process.stdout.write(`password of ${u.name} changed; their sessions ended\n`);
    });

  cmd
    .command("role")
    .description("change a user's role (takes effect on their next request)")
    .argument("<name>", "login name")
    .addArgument(new Argument("<role>", "viewer, responder or approver").choices(ROLES))
    .option("--json", "print the user as JSON")
    .action(async (name: string, role: (typeof ROLES)[number], o: { json?: boolean }) => {
      const { withStore, printJson } = await import("./io.ts");
      const u = await withStore((s) => s.users.setRole(name, role));
      if (o.json) printJson(u);
      else process.stdout.write(`${u.name} is now ${u.role}\n`);
    });
}
