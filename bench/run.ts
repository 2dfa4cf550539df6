/**
 * `npm run bench [-- NAME...]`: runs every bench/*.bench.ts (or those whose file name contains one
 * of the given words) and prints each figure beside its baseline and the ratio.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatFigure, type Bench, type Figure } from "./harness.ts";

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  console.error(`bench: nothing matches ${wanted.join(" ")}`);
  process.exit(2);
}
const all: Figure[] = [];
for (const file of files) {
  const bench = ((await import(join(here, file))) as { default: Bench }).default;
  console.log(`\n== ${bench.name} (${file})`);
  const figures = await bench.run((line) => console.log(`   ${line}`));
  for (const f of figures) console.log(formatFigure(f));
  all.push(...figures);
}
const missed = all.filter((f) => f.target && !f.target.met);
console.log(`\n${all.length} figures, ${all.filter((f) => f.target).length - missed.length} targets met, ${missed.length} not met`);
