/** The simulated account: an estate (YAML) behind the cloud port, with AWS's rules and injected faults. See docs/sim.md. */
export { SimAccount, type SimOptions, type CallRecord } from "./account.ts";
export { SimApi, DEFAULT_LIMITS, type SimLimits } from "./api.ts";
export { PORT_ACTIONS, type PortMethod } from "./actions.ts";
export { VirtualClock, realClock, type Clock } from "./clock.ts";
export { Faults, type FaultRule } from "./faults.ts";
export { EstateError, loadEstateFile, parseEstate, validateEstate, formatPath } from "./load.ts";
export { estateSchema, type Estate, type EstateInput } from "./schema.ts";
export { diffSnapshots, snapshotState, type SimSnapshot } from "./snapshot.ts";
export type { SimState } from "./state.ts";
