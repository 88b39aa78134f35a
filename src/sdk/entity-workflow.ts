// Entities from a workflow: `ctx.entity(name, key).call(operation, input)` is a journaled step
// whose idempotency key is the operation id, so a step that runs again after a crash finds
// the operation already queued or done and never applies it twice; a later replay gets the
// journaled result without calling at all.
import { entities } from "./entities.ts";
import { NimbusApiError } from "./platform-client.ts";
import { NonRetryableError } from "./workflow-errors.ts";
import type { RetryPolicy, StepContext } from "./workflow-replay.ts";

export interface WorkflowEntityHandle {
  /** Runs the operation as step "entity:<name>/<key>.<operation>" and returns its result. */
  call<T = unknown>(
    operation: string,
    input?: unknown,
    options?: { readonly retry?: RetryPolicy },
  ): Promise<T>;
  /** Queues the operation as a step (fire-and-forget, once). */
  signal(operation: string, input?: unknown, options?: { readonly retry?: RetryPolicy }): Promise<void>;
}

type StepRunner = <T>(name: string, fn: (step: StepContext) => Promise<T>, retry?: RetryPolicy) => Promise<T>;

/** Answers that the same operation id would only repeat: failing the step at once is right. */
const FINAL = new Set([
  "ENTITY_OPERATION_FAILED",
  "ENTITY_NOT_FOUND",
  "ENTITY_OPERATION_NOT_FOUND",
  "ENTITY_KEY_INVALID",
  "ENTITY_OPERATION_ID_CONFLICT",
  "ACCESS_DENIED",
  "BAD_REQUEST",
]);

async function final<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof NimbusApiError && FINAL.has(error.code)) {
      throw new NonRetryableError(`${error.code}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

export function workflowEntity(step: StepRunner, entity: string, key: string): WorkflowEntityHandle {
  const name = (operation: string) => `entity:${entity}/${key}.${operation}`;
  return {
    call: (operation, input, options) =>
      step(
        name(operation),
        ({ idempotencyKey }) =>
          final(() => entities.call(entity, key, operation, input, { operationId: idempotencyKey })),
        options?.retry,
      ),
    signal: async (operation, input, options) => {
      await step(
        `${name(operation)}:signal`,
        ({ idempotencyKey }) =>
          final(async () => {
            await entities.signal(entity, key, operation, input, { operationId: idempotencyKey });
          }),
        options?.retry,
      );
    },
  };
}
