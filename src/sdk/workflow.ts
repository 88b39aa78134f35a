// `workflow(fn)`: the export of a function marked `workflow: true` in nimbus.yaml. The platform
// calls it once per resume with the journal (POST, a WorkflowInvocation); it replays `fn` and
// answers with what to journal and what happens next. See docs/workflows.md.
import { functions } from "./functions.ts";
import type { Duration } from "./workflow-duration.ts";
import type { WorkflowAnswer, WorkflowInvocation } from "./workflow-protocol.ts";
import { type RetryPolicy, type StepContext, WorkflowReplay } from "./workflow-replay.ts";

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
      const invocation = (await request.json()) as WorkflowInvocation;
      if (invocation?.nimbusWorkflow !== 1) {
        return Response.json(
          {
            error: {
              code: "WORKFLOW_DIRECT_CALL",
              message: "a workflow is started with 'nimbus workflows start', not called directly",
            },
          },
          { status: 400 },
        );
      }
      return Response.json(await replay(invocation));
    },
  };
}
