/** Tag keys containment writes. The case tag marks every resource (and snapshot, and group) it touched. */
export const TAG_CASE = "abuse-desk:case";
export const TAG_PLAN = "abuse-desk:plan";
/** On snapshots: `PLAN_ID/STEP_ID`, so a resumed step finds the snapshots a killed run already made. */
export const TAG_STEP = "abuse-desk:step";
/** On groups containment creates: what they are for (`isolation`, `all-traffic`). */
export const TAG_ROLE = "abuse-desk:role";
