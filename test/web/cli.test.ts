/**
 * `abuse-desk user ...` and `abuse-desk web`: users are created with a password from stdin (never
 * an argument), listed, changed and removed; `web` listens, says how to create the first user,
 * serves the sign-in page, and stops on SIGTERM.
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli, tempHome } from "../helpers/cli.ts";

const BIN = fileURLToPath(new URL("../../bin/abuse-desk.js", import.meta.url));
const home = tempHome("abuse-desk-web-cli-");

function cli(args: string[], input?: string) {
  return spawnSync(process.execPath, [BIN, ...args], { input: input ?? "", encoding: "utf8", env: { ...process.env, ABUSE_DESK_HOME: home.dir } });
}

describe("abuse-desk user", () => {
  it("adds a user with the password from stdin, lists, changes the role, removes", async () => {
    const add = cli(["user", "add", "alice", "--role", "approver", "--password-stdin", "--json"], "a long enough password\n");
    expect(add.stderr).toBe("");
    expect(add.status).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ name: "alice", role: "approver", hasPassword: true });
    expect(cli(["user", "add", "alice", "--role", "viewer", "--no-password"]).status).toBe(65);
    const short = cli(["user", "add", "bob", "--role", "viewer", "--password-stdin"], "short\n");
    expect(short.status).toBe(65);
    expect(short.stderr).toContain("too short");
    expect(cli(["user", "add", "bob", "--role", "root", "--no-password"]).status).not.toBe(0);
    const list = await runCli("user", "list", "--json");
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out).items.map((u: { name: string }) => u.name)).toEqual(["alice"]);
    expect(list.out).not.toContain("scrypt");
    const role = await runCli("user", "role", "alice", "viewer", "--json");
    expect(JSON.parse(role.out).role).toBe("viewer");
    expect((await runCli("user", "remove", "nobody")).code).toBe(66);
    expect((await runCli("user", "remove", "alice")).code).toBe(0);
    expect(JSON.parse((await runCli("user", "list", "--json")).out).items).toEqual([]);
  }, 120_000);

  it("never takes a password as an argument and needs a terminal or --password-stdin", async () => {
    const r = cli(["user", "add", "carol", "--role", "viewer"]);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("--password-stdin");
    expect((await runCli("user", "add", "carol", "--role", "viewer", "--password", "x")).code).not.toBe(0);
  }, 60_000);
});

describe("abuse-desk web", () => {
  it("listens, says how to create the first user, serves the sign-in page and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [BIN, "web", "--port", "0", "--account", "sim"], { env: { ...process.env, ABUSE_DESK_HOME: home.dir }, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
        if (m && err.includes("No users yet")) resolve(m[1]!);
      });
      child.on("exit", (code) => reject(new Error(`web exited ${code}: ${err}`)));
    });
    expect(err).toContain("abuse-desk user add NAME --role approver");
    const res = await fetch(`${url}/login`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
  }, 60_000);

  it("refuses a port that is not a number (64)", async () => {
    expect((await runCli("web", "--port", "http")).code).toBe(64);
  });
});
