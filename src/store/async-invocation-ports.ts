// The persistence port of async invocations (src/services/async/): an invocation is stored
// before its 202 is sent, then claimed by whichever node's dispatcher gets it first, attempted,
// and rescheduled or finished. Claims carry a token so a node that lost its claim (it paused
// past the claim's expiry and another node took over) cannot record over the new owner.
// Times are the store's clock (the database server's for PostgreSQL).

export type AsyncInvocationStatus = "queued" | "running" | "succeeded" | "failed";

export interface AsyncAttempt {
  /** 1, 2, 3…; throttled attempts are numbered too but do not count against the retries. */
  readonly attempt: number;
  /** The request id of the function call (its invocation record and logs). */
  readonly requestId: string;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: "success" | "error" | "throttled";
  readonly errorCode: string | undefined;
  readonly errorMessage: string | undefined;
  /** The function version that ran the attempt (absent: it did not run, or a webhook delivery). */
  readonly version?: string | undefined;
}

export interface AsyncInvocationRecord {
  readonly id: string;
  readonly app: string;
  readonly functionName: string;
  readonly payload: Uint8Array;
  readonly idempotencyKey: string | undefined;
  /** For events (topic subscriptions): the CloudEvent as JSON; fetch-style handlers get it in binary mode. */
  readonly cloudEvent: string | undefined;
  /** The alias or version number each attempt calls (resolved per attempt); undefined: $LATEST. */
  readonly qualifier: string | undefined;
  readonly status: AsyncInvocationStatus;
  readonly createdAt: number;
  /** When the next attempt is due (queued) or was started (running). */
  readonly nextAttemptAt: number;
  /** Attempts that count against maxAttempts (throttled ones do not). */
  readonly countedAttempts: number;
  readonly maxAttempts: number;
  /** Past this, no attempt starts: the invocation fails with its last error. */
  readonly expiresAt: number;
  /** How it ended: the last error, "expired", or where the destination records went. */
  readonly finalReason: string | undefined;
  readonly attempts: readonly AsyncAttempt[];
}

export interface NewAsyncInvocation {
  readonly app: string;
  readonly functionName: string;
  readonly payload: Uint8Array;
  readonly idempotencyKey: string | undefined;
  readonly cloudEvent?: string | undefined;
  /** An alias or version number; undefined: $LATEST. */
  readonly qualifier?: string | undefined;
  /** A repeat of the key (same app and function) within this window returns the first one. */
  readonly idempotencyWindowMs: number;
  readonly maxAttempts: number;
  readonly maxEventAgeMs: number;
}

export interface ClaimedAsyncInvocation {
  readonly invocation: AsyncInvocationRecord;
  /** Pass to recordAttempt: only the current claim may record. */
  readonly claimToken: number;
}

export type AsyncNextStep =
  | { readonly kind: "retry"; readonly delayMs: number; readonly counted: boolean }
  | { readonly kind: "finish"; readonly status: "succeeded" | "failed"; readonly reason: string | undefined };

export interface AsyncInvocationStore {
  /** Stores it (durably) unless the idempotency key was seen in the window; then returns the first. */
  enqueue(input: NewAsyncInvocation): Promise<{ invocation: AsyncInvocationRecord; duplicate: boolean }>;
  /**
   * Claims up to `limit` due invocations: queued ones whose next attempt is due, and running
   * ones whose claim expired (their node died). Each claim lasts `claimMs`.
   */
  claimDue(limit: number, claimMs: number): Promise<ClaimedAsyncInvocation[]>;
  /** Records an attempt and what comes next; false (nothing written) when the claim was lost. */
  recordAttempt(id: string, claimToken: number, attempt: AsyncAttempt, next: AsyncNextStep): Promise<boolean>;
  get(id: string): Promise<AsyncInvocationRecord | undefined>;
  /** Newest first. */
  list(query: {
    readonly app: string;
    readonly functionName?: string;
    readonly limit: number;
  }): Promise<AsyncInvocationRecord[]>;
}
