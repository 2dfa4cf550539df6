/**
 * Runs CLI commands in a process whose umask lets everyone read and write everything (0000): what
 * the desk creates must be private anyway. argv[2]: JSON list of argument lists. Prints the exit
 * codes as JSON on its last line.
 */
import { main } from "../../../src/cli/main.ts";

process.umask(0o000);
const runs = JSON.parse(process.argv[2]!) as string[][];
const codes: number[] = [];
for (const args of runs) {
  process.exitCode = undefined;
  codes.push(await main(["node", "abuse-desk", ...args]));
}
process.exitCode = 0;
process.stdout.write(`\n${JSON.stringify(codes)}\n`);
