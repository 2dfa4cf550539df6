import type { Scope } from "../../cloud/model.ts";
import type { CloudPort } from "../../cloud/port.ts";
import type { EvidenceSink } from "../evidence.ts";
import type { ActionName, ActionParams } from "../params.ts";
import type { Plan, Step } from "../types.ts";

export interface StepContext<P> {
  port: CloudPort;
  plan: Plan;
  step: Step;
  scope: Scope;
  /** The step's parameters with references to earlier steps resolved. */
  params: P;
  evidence?: EvidenceSink;
  now: () => Date;
}

interface RunResult<A> {
  /** `skipped`: the wanted state already held, no call was made. */
  outcome: "done" | "skipped";
  after: A;
}

interface UndoResult {
  /** `nothing`: the state already equals `before`; `kept`: evidence or a group deliberately left. */
  outcome: "rolled-back" | "nothing" | "kept";
  detail?: Record<string, unknown>;
}

/**
 * One action. Every method reads the real state before it calls anything, so it can be run again
 * after a crash, a kill or a retry and still make each call at most once.
 */
export interface Handler<P, S, A> {
  /** The state this step changes, as it is now (journalled as `before` on the first start). */
  observe(ctx: StepContext<P>): Promise<S>;
  /** Makes the calls still needed to go from `now` to the wanted state. */
  run(ctx: StepContext<P>, now: S, before: S): Promise<RunResult<A>>;
  /** After a final failure: undo a half-done step that would leave things more open than before. */
  compensate?(ctx: StepContext<P>, before: S): Promise<string | null>;
  /** Restores `before`, calling only for what differs now. */
  undo(ctx: StepContext<P>, before: S, after: A | undefined): Promise<UndoResult>;
}

export type HandlerFor<N extends ActionName> = Handler<ActionParams[N], any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
