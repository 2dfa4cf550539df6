/** Resolution: which resources a notice is about, in every account and region. See docs/resolve.md. */
export { resolveNotice } from "./resolve.ts";
export { addressHistoryOf } from "./holders.ts";
export { collectRefs, type Ref } from "./refs.ts";
export { ownershipOf, describeOwnership } from "./ownership.ts";
export { ipTimeline, describeTimeline, holdersDuring, ADDRESS_EVENTS, INSTANCE_EVENTS } from "./history.ts";
export { Limiter } from "./limiter.ts";
export { searchOutcome, missingLines, missingSentence, notSearchedError, placeOf, readResolution, hidesNothing, type SearchOutcome } from "./outcome.ts";
export type * from "./types.ts";
