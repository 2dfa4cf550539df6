#!/usr/bin/env node
// The abuse-desk command. The sources are TypeScript; tsx compiles them on the fly (and caches the
// result), so a checkout runs as it is, with no build step to forget. `--version` and help
// requests are answered without loading tsx (bin/fast-start.js: from package.json, and by
// commander from the generated command tree).
import { fastHelp, version } from "./fast-start.js";

// `abuse-desk case list | head`: the reader went away; that is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const args = process.argv.slice(2);
const help = process.env.ABUSE_DESK_NO_FAST_START ? null : fastHelp(args);
if (!process.env.ABUSE_DESK_NO_FAST_START && args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${version()}\n`);
} else if (help !== null) {
  if (help.stdout) process.stdout.write(help.stdout);
  if (help.stderr) process.stderr.write(help.stderr);
  process.exitCode = help.code;
} else {
  const { register } = await import("tsx/esm/api");
  register();
  const { main } = await import("../src/cli/main.ts");
  process.exitCode = await main(process.argv);
}
