/** Evidence sinks live with the action modules that capture evidence (src/plan/evidence.ts). */
export * from "../plan/evidence.ts";
