// Retry semantics as error types (as Temporal's `nonRetryable`): a step that throws a
// NonRetryableError fails at once, whatever its retry policy.

export class NonRetryableError extends Error {
  readonly nonRetryable = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NonRetryableError";
  }
}

/** What `ctx.step` throws once a step has failed for good (also on every later replay). */
export class StepFailedError extends Error {
  readonly step: string;
  readonly attempts: number;
  /** The name of the error the step's last attempt threw. */
  readonly causeName: string;
  constructor(step: string, attempts: number, causeName: string, message: string) {
    super(`step "${step}" failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${message}`);
    this.name = "StepFailedError";
    this.step = step;
    this.attempts = attempts;
    this.causeName = causeName;
  }
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly nonRetryable: boolean;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    return {
      name: error.name,
      message: error.message,
      nonRetryable: (error as { nonRetryable?: unknown }).nonRetryable === true,
    };
  }
  return { name: "Error", message: String(error), nonRetryable: false };
}

/**
 * Thrown by the pending or new ctx calls of an instance a cancel was asked for; uncaught, the
 * compensations (ctx.onFailure) run and the instance ends cancelled.
 */
export class WorkflowCancelledError extends Error {
  readonly nonRetryable = true;
  constructor(reason: string) {
    super(`the workflow was cancelled: ${reason}`);
    this.name = "WorkflowCancelledError";
  }
}

/** What `ctx.child` throws when the child workflow failed or was cancelled. */
export class ChildWorkflowFailedError extends Error {
  readonly nonRetryable = true;
  readonly childId: string;
  constructor(workflow: string, childId: string, status: string, message: string) {
    super(`child workflow "${workflow}" (${childId}) ${status}: ${message}`);
    this.name = "ChildWorkflowFailedError";
    this.childId = childId;
  }
}
