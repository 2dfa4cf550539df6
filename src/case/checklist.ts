/**
 * The root checklist of a credential case (migration "0013-credential-checklist"): what only the
 * root user can do (src/credentials/checklist.ts, the catalogue), item by item, with its state, who
 * set it and when. State, not history: a row per case and item, replaced when the state changes;
 * the history is the timeline event and the audit entry each change writes in the same transaction.
 * An item that is not in the catalogue is refused (exit 64): the id comes from a command line or a
 * form, both hostile.
 */
import type { CreateTableBuilder, Kysely } from "kysely";
import { UserError } from "../errors.ts";
import { isRootChecklistItem, ROOT_CHECKLIST_IDS, ROOT_CHECKLIST_ITEMS, type ChecklistItemState } from "../credentials/checklist.ts";
import type { Database } from "./db/schema.ts";
import { caseForWrite } from "./rows.ts";
import type { Write } from "./writes.ts";

export interface CaseChecklistTable {
  case_id: string;
  item: string;
  state: string;
  actor: string;
  at: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema as it was then */
export async function createChecklistTable(db: Kysely<any>): Promise<void> {
  await (db.schema.createTable("case_checklist") as CreateTableBuilder<"case_checklist", any>)
    .addColumn("case_id", "text", (c) => c.notNull())
    .addColumn("item", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("case_checklist_pk", ["case_id", "item"])
    .execute();
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A case's checklist: every catalogue item, in the catalogue's order, open unless the store says otherwise. */
export async function checklistOf(db: Kysely<Database>, caseId: string): Promise<ChecklistItemState[]> {
  const rows = await db.selectFrom("case_checklist").selectAll().where("case_id", "=", caseId).execute();
  return ROOT_CHECKLIST_ITEMS.map((i) => {
    const r = rows.find((x) => x.item === i.id);
    return { id: i.id, text: i.text, state: r?.state === "done" ? "done" : "open", by: r?.actor ?? null, at: r?.at ?? null };
  });
}

export function checkItem(item: unknown): asserts item is ChecklistItemState["id"] {
  if (!isRootChecklistItem(item)) {
    const shown = typeof item === "string" ? JSON.stringify(item.slice(0, 60)) : "that";
    throw new UserError(`${shown} is not an item of the root checklist; one of ${ROOT_CHECKLIST_IDS.join(", ")}`, { exitCode: 64 });
  }
}

/** Sets an item's state; a change writes a timeline event and an audit entry. Setting the state it has already changes nothing. */
export async function setChecklistItemTx(w: Write, caseId: string, item: string, state: "open" | "done"): Promise<{ changed: boolean; item: ChecklistItemState }> {
  checkItem(item);
  if (state !== "open" && state !== "done") throw new UserError(`a checklist item is open or done, not ${JSON.stringify(String(state).slice(0, 20))}`, { exitCode: 64 });
  const c = await caseForWrite(w.trx, caseId);
  const was = await w.trx.selectFrom("case_checklist").selectAll().where("case_id", "=", c.id).where("item", "=", item).executeTakeFirst();
  const text = ROOT_CHECKLIST_ITEMS.find((i) => i.id === item)!.text;
  if ((was?.state ?? "open") === state) return { changed: false, item: { id: item, text, state, by: was?.actor ?? null, at: was?.at ?? null } };
  await w.trx
    .insertInto("case_checklist")
    .values({ case_id: c.id, item, state, actor: w.actor, at: w.at })
    .onConflict((oc) => oc.columns(["case_id", "item"]).doUpdateSet({ state, actor: w.actor, at: w.at }))
    .execute();
  await w.trx.updateTable("cases").set({ updated_at: w.at }).where("id", "=", c.id).execute();
  await w.event(c.id, "checklist", `Root checklist: ${item} ${state === "done" ? "done" : "open again"}`, { item, state });
  w.audit("checklist.item", c.id, { item, state });
  return { changed: true, item: { id: item, text, state, by: w.actor, at: w.at } };
}
