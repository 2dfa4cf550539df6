/**
 * What one action is: the parameters it takes (a zod schema, checked on every plan before it is
 * applied), the API calls a dry run shows (written from the parameters), the handler that makes
 * them (observe / run / compensate / undo) and the IAM actions the handler needs. Everything that
 * names an action's calls (the dry run, the handler table, docs/actions.md, the IAM policy test)
 * is derived from these modules, so what is shown and what is done cannot drift apart.
 */
import type { z } from "zod";
import type { Scope } from "../cloud/model.ts";
import type { PortMethod } from "../cloud/aws/actions.ts";
import type { CloudPort } from "../cloud/port.ts";
import type { EvidenceSink } from "./evidence.ts";
import { StepError } from "./errors.ts";
import type { ApiCall, Plan, Step } from "./types.ts";

export interface StepContext<P> {
  port: CloudPort;
  plan: Plan;
  step: Step;
  scope: Scope;
  /** The step's parameters with references to earlier steps resolved. */
  params: P;
  evidence?: EvidenceSink;
  /** Journals an interface's all-traffic transit before the move (apply gives it; execute/transit.ts). */
  transit?: TransitJournal;
  now: () => Date;
}

/** What a `transit` entry records, before the first move. */
export interface TransitRecord {
  networkInterfaceId: string;
  /** The interface's groups before the transit: what a restore puts back. */
  groupIds: string[];
  allTrafficGroupId: string;
  isolationGroupId: string;
}

/** The hook apply gives a step: journals the transit durably before the handler's first move. */
export type TransitJournal = (record: TransitRecord) => Promise<void>;

/**
 * Called by the isolate-eni handler before it moves an interface into the all-traffic group: the
 * move is made only once the journal holds the transit. Without a journal there is no move.
 */
export async function enterTransit(ctx: { transit?: TransitJournal }, record: TransitRecord): Promise<void> {
  if (!ctx.transit) throw new StepError(`${record.networkInterfaceId}: the all-traffic transit cannot be journalled here, so the interface is not moved`);
  await ctx.transit(record);
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

export interface CallContext {
  /** The step's own id, for `${STEP.groupId}` references to what it creates. */
  stepId: string;
  /** The account the step acts in: S3 calls name it as the bucket's expected owner. */
  accountId: string;
  /** The VPC has IPv6: a new group also gets a default `::/0` egress rule. */
  vpcHasIpv6?: boolean;
}

export interface ActionModule<P> {
  /** One line for people: what the action does (docs/actions.md). */
  summary: string;
  /** The exact parameters (strict: an unknown key is refused). */
  params: z.ZodType<P>;
  /**
   * The step's target type (`ec2-instance`, `security-group`...) and the parameter naming its id:
   * a step whose target disagrees with its params is refused (a reviewer reads the target).
   */
  target: { type: string; id?: (p: P) => string };
  /** The AWS requests the step makes, written from its parameters: what the dry run shows. */
  calls(p: P, ctx: CallContext): ApiCall[];
  handler: Handler<P, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /**
   * Every cloud port method the handler may call (observe, run, compensate, undo): the IAM actions
   * it needs are derived from these (src/cloud/aws/actions.ts), and a test runs every handler to
   * prove it calls nothing else.
   */
  uses: readonly PortMethod[];
  /** Only reads: a step of it changes nothing, so rollback has nothing to undo. */
  readOnly?: boolean;
  /** Cannot be undone: a step of it never runs without a person (no policy rule makes it automatic). */
  irreversible?: boolean;
  /**
   * A step with these params is a person's decision though it can be undone (it changes what the
   * customer's own principals may do): no policy rule makes it automatic (src/policy/automatic.ts).
   */
  person?: (p: P) => boolean;
}

/** Declares an action module (the parameter type is the schema's). */
export function defineAction<S extends z.ZodType>(m: ActionModule<z.infer<S>> & { params: S }): ActionModule<z.infer<S>> & { params: S } {
  return m;
}
