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
