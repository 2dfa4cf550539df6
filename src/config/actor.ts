/**
 * Who a person's command acts as, read once at the edge (the CLI command) and passed to the
 * stages, which never read the environment for it: `ABUSE_DESK_ACTOR`, else the OS user (`USER`,
 * then the account's name), else "abuse-desk". The service names its own actor (serve's config),
 * the web desk its signed-in person.
 */
import { userInfo } from "node:os";
import type { Env } from "./file.ts";

export function actorFromEnv(env: Env = process.env): string {
  if (env.ABUSE_DESK_ACTOR) return env.ABUSE_DESK_ACTOR;
  if (env.USER) return env.USER;
  try {
    return userInfo().username || "abuse-desk";
  } catch {
    return "abuse-desk";
  }
}
