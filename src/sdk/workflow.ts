// `workflow(fn)`: the export of a function marked `workflow: true` in nimbus.yaml. The platform
// calls it once per resume with the journal (POST, a WorkflowInvocation); it replays `fn` and
// answers with what to journal and what happens next. See docs/workflows.md.
import { type WorkflowEntityHandle, workflowEntity } from "./entity-workflow.ts";
import { functions } from "./functions.ts";
import type { Duration } from "./workflow-duration.ts";
import type { WorkflowAnswer, WorkflowInvocation } from "./workflow-protocol.ts";
import { type Compensation, type RetryPolicy, type StepContext, WorkflowReplay } from "./workflow-replay.ts";
import { startFromTrigger } from "./workflow-trigger.ts";

export interface StepOptions {
  readonly retry?: RetryPolicy;
}

export interface WorkflowContext {
  /** This instance's id (the start's instance id, or a generated one). */
  readonly instanceId: string;
  /**
   * Runs `fn` once and journals its result (JSON); a replay returns the journaled result
   * without running it. A failed attempt is retried per `retry` (default 3 attempts in all,
   * from 1 s, doubling), unless it threw a NonRetryableError; then it throws StepFailedError.
   */
  step<T>(name: string, fn: (step: StepContext) => T | Promise<T>, options?: StepOptions): Promise<T>;
  /**
   * Calls another function of the app as a step (named "invoke:<function>"): its result is
   * journaled, a failed call (an error status) is retried per `retry`. Fan out with
   * `Promise.all`; calls started together commit together. Needs functions:Invoke on it.
   */
  invoke<T = unknown>(functionName: string, payload?: unknown, options?: StepOptions): Promise<T>;
  /** A durable timer: the instance is resumed by the platform once it is due, even after a restart. */
  sleep(duration: Duration): Promise<void>;
  /** The next event of that name sent to this instance, or undefined once `timeout` passed. */
  waitForEvent<T = unknown>(name: string, options?: { readonly timeout?: Duration }): Promise<T | undefined>;
  /**
   * Starts the instance over with `input` and an empty history (events not consumed yet stay);
   * nothing after it runs. Bounds the history of long-lived, looping workflows.
   */
  continueAsNew(input: unknown): Promise<never>;
  /** The time, recorded once: the same on every replay. */
  now(): number;
  /** A random number in [0, 1), recorded once. */
  random(): number;
  /** A random UUID, recorded once. */
  uuid(): string;
  /**
   * Starts child workflow `workflow` (of this app) with `input` and resolves with its output;
   * throws ChildWorkflowFailedError when it fails or is cancelled. Journaled: the child starts
   * once, with the id `<this id>:child:<workflow>#<n>`. Fan out with Promise.all beside steps
   * and invokes.
   */
  child<T = unknown>(workflow: string, input?: unknown): Promise<T>;
  /** A durable timer until `at` (a Date or epoch ms, at most a year ahead). */
  sleepUntil(at: Date | number): Promise<void>;
  /**
   * Registers a compensation (saga): when the workflow fails or is cancelled, the registered
   * compensations run newest first, each once (use ctx.step inside), then it ends as it would.
   */
  onFailure(compensation: Compensation): void;
  /**
   * true when this instance runs the code after patch `name`: instances that reach this point
   * on code that has it; false when replaying history made by code without it (an instance
   * resumed on newer code by \`nimbus workflows retry\`). Journaled.
   */
  patched(name: string): boolean;
  /** Sets the instance's custom status (JSON), readable by describe while it runs. */
  setStatus(value: unknown): void;
  /**
   * An entity's key: `call`/`signal` its operations as journaled steps, with the step's
   * idempotency key as the operation id (it runs once). Needs entities:Call / entities:Signal.
   */
  entity(name: string, key: string): WorkflowEntityHandle;
}

export type WorkflowFunction<Input, Output> = (ctx: WorkflowContext, input: Input) => Promise<Output>;

export interface WorkflowHandler {
  /** Fetch-style entry point the Nimbus runtime calls with a WorkflowInvocation body. */
  fetch(request: Request): Promise<Response>;
  /** Runs one replay directly (tests, other hosts). */
  replay(invocation: WorkflowInvocation): Promise<WorkflowAnswer>;
}

/** The called function's answer: its JSON result, or its text; an error status throws. */
async function invokeFunction<T>(functionName: string, payload: unknown): Promise<T> {
  const result = await functions.invoke(functionName, payload);
  if (result.status !== "success") {
    throw new Error(`${functionName} failed (${result.errorCode ?? "error"}): ${result.body}`);
  }
  try {
    return JSON.parse(result.body) as T;
  } catch {
    return result.body as T;
  }
}

function contextOf(replay: WorkflowReplay): WorkflowContext {
  return {
    instanceId: replay.instanceId,
    step: (name, fn, options) => replay.step(name, fn, options?.retry),
    invoke: (functionName, payload, options) =>
      replay.step(`invoke:${functionName}`, () => invokeFunction(functionName, payload), options?.retry),
    sleep: (duration) => replay.sleep(duration),
    waitForEvent: (name, options) => replay.waitForEvent(name, options?.timeout),
    continueAsNew: (input) => replay.continueAsNew(input),
    now: () => replay.now(),
    random: () => replay.random(),
    uuid: () => replay.uuid(),
    child: (workflowName, input) => replay.child(workflowName, input),
    sleepUntil: (at) => replay.sleepUntil(at),
    onFailure: (compensation) => replay.onFailure(compensation),
    patched: (name) => replay.patched(name),
    setStatus: (value) => replay.setStatus(value),
    entity: (name, key) => workflowEntity((step, fn, retry) => replay.step(step, fn, retry), name, key),
  };
}

export function workflow<Input = unknown, Output = unknown>(
  fn: WorkflowFunction<Input, Output>,
): WorkflowHandler {
  const replay = (invocation: WorkflowInvocation): Promise<WorkflowAnswer> => {
    const run = new WorkflowReplay(invocation);
    const input = JSON.parse(invocation.input) as Input;
    return run.run(() => fn(contextOf(run), input));
  };
  return {
    replay,
    async fetch(request) {
      const text = await request.text();
      const invocation = replayOf(request, text);
      // Anything else is a trigger's event (HTTP, queue, topic, schedule): it starts an instance.
      if (invocation === undefined) return startFromTrigger(request, text);
      return Response.json(await replay(invocation));
    },
  };
}

/** The platform's replay call (a direct invocation with a WorkflowInvocation body), or undefined. */
function replayOf(request: Request, text: string): WorkflowInvocation | undefined {
  if (request.headers.get("x-nimbus-invocation") !== "direct") return undefined;
  try {
    const body = JSON.parse(text) as WorkflowInvocation | null;
    return body?.nimbusWorkflow === 1 ? body : undefined;
  } catch {
    return undefined;
  }
}
