#!/usr/bin/env node
// The abuse-desk command. The sources are TypeScript; tsx compiles them on the fly (and caches the
// result), so a checkout runs as it is, with no build step to forget. `--version` and a help
// request already answered once are printed without loading tsx (bin/fast-start.js).
import { cachedHelp, helpRequest, keepHelp, version } from "./fast-start.js";

// `abuse-desk case list | head`: the reader went away; that is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const args = process.argv.slice(2);
const help = process.env.ABUSE_DESK_NO_FAST_START ? null : helpRequest(args);
const cached = help === null ? null : cachedHelp(help);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${version()}\n`);
} else if (cached !== null) {
  process.stdout.write(cached);
} else {
  // The full CLI; what it prints for a help request is kept for the next one.
  let printed = help === null ? null : "";
  if (printed !== null) {
    const write = process.stdout.write;
    process.stdout.write = function (chunk, ...rest) {
      if (printed !== null) printed = typeof chunk === "string" ? printed + chunk : null;
      return write.call(process.stdout, chunk, ...rest);
    };
  }
  const { register } = await import("tsx/esm/api");
  register();
  const { main } = await import("../src/cli/main.ts");
  process.exitCode = await main(process.argv);
  if (help !== null && printed && process.exitCode === 0) keepHelp(help, printed);
}
