/**
 * Writes docs/actions.md from the action modules (src/plan/actions/): what each action does, its
 * parameters, its target, and the IAM actions its handler needs. A test fails when it is stale.
 *
 *   npx tsx scripts/gen-action-docs.ts
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ACTION_ALIASES, ACTION_MODULES, ACTIONS, iamActionsOf } from "../src/plan/actions/index.ts";

export function actionDocs(): string {
  const lines = [
    "# Containment actions",
    "",
    "Generated from the action modules (`src/plan/actions/`) by `npx tsx scripts/gen-action-docs.ts`; do not edit.",
    "",
    "Each step of a plan is one of these actions. Its parameters are checked against the action's schema before",
    "anything runs (an unknown or missing key, a wrong type, or a target that disagrees with the parameters refuses",
    "the plan); the calls the dry run shows are written from the same module as the handler that makes them.",
    "",
    "| Action | What it does | Target | Parameters | IAM actions its handler needs |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const a of ACTIONS) {
    const m = ACTION_MODULES[a];
    const shape = (m.params as unknown as { shape: Record<string, unknown> }).shape;
    lines.push(
      `| \`${a}\` | ${m.summary} | ${m.target.type} | ${Object.keys(shape).map((k) => `\`${k}\``).join(", ")} | ${iamActionsOf(a).map((x) => `\`${x}\``).join(", ")} |`,
    );
  }
  lines.push("", "## Names for several actions (policy `automatic` rules)", "", "| Name | Actions |", "| --- | --- |");
  for (const [name, actions] of Object.entries(ACTION_ALIASES)) lines.push(`| \`${name}\` | ${actions.map((x) => `\`${x}\``).join(", ")} |`);
  return lines.join("\n") + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(new URL("../docs/actions.md", import.meta.url), actionDocs());
}
