// Preloaded (`node --import`) by test/cli/fast-start.test.ts: loading tsx (the full CLI) fails, so
// an answer printed is the fast path's own.
import { register } from "node:module";

register(
  "data:text/javascript," +
    encodeURIComponent(`export async function resolve(specifier, context, next) {
  if (specifier === "tsx" || specifier.startsWith("tsx/")) throw new Error("the full CLI (tsx) was loaded");
  return next(specifier, context);
}`),
);
