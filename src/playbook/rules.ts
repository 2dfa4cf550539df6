/** Security group rule arithmetic is the plan vocabulary's (the handlers use it too): src/plan/rules.ts. */
export * from "../plan/rules.ts";
