// Types of bin/fast-start.js for the TypeScript that uses it (scripts/gen-command-docs.ts, tests).
import type { Command } from "commander";
import type * as Commander from "commander";
import type { CommandTree } from "../src/cli/command-tree.ts";

export const TREE_FILE: string;
export function version(): string;
export function helpRequest(args: string[]): boolean;
export function sourceDigest(files: string[], base?: string): string;
export function commanderVersion(): string;
export function currentTree(file?: string, base?: string): CommandTree | null;
export function programFromTree(
  tree: CommandTree,
  commander: typeof Commander,
  opts?: { output?: { writeOut?: (s: string) => void; writeErr?: (s: string) => void }; ver?: string },
): Command;
export function fastHelp(args: string[], tree?: CommandTree | null): { stdout: string; stderr: string; code: number } | null;
