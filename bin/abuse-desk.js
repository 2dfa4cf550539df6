#!/usr/bin/env node
// The abuse-desk command. The sources are TypeScript; tsx compiles them on the fly (and caches the
// result), so a checkout runs as it is, with no build step to forget.
import { register } from "tsx/esm/api";

// `abuse-desk case list | head`: the reader went away; that is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
