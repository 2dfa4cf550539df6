#!/usr/bin/env node
// The abuse-desk command. The sources are TypeScript; tsx compiles them on the fly (and caches the
// result), so a checkout runs as it is, with no build step to forget.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
