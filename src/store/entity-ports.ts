// Durable entities (src/services/entities/): one row of state per (app, entity, key) and a
// queue of operations per key. Write operations of one key run one batch at a time, under a
// fenced claim on the key's row (as workflow instances are claimed); a batch's results and
// the new state commit in one transaction (`commit`), or not at all.

export interface EntityRef {
  readonly app: string;
  readonly entity: string;
  readonly key: string;
}

export interface EntityRecord extends EntityRef {
  /** JSON text; undefined until the first write operation of the key committed. */
  readonly state: string | undefined;
  /** How many operations of the key have completed (committed), failed ones included. */
  readonly version: number;
  /** Operations waiting to run. */
  readonly queued: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface EntityOperation extends EntityRef {
  /** Order of arrival (store-wide): a key's operations run in this order. */
  readonly seq: number;
  /** The caller's id: a repeated id on the same key is the same operation (it runs once). */
  readonly operationId: string;
  readonly operation: string;
  /** JSON text. */
  readonly input: string;
  /** call: a caller waits for the result; signal: nobody does. */
  readonly kind: "call" | "signal";
  readonly status: "queued" | "done";
  /** The handler's result, JSON text (done, no error). */
  readonly output: string | undefined;
  /** Why it failed, JSON text { name, message } (done). */
  readonly error: string | undefined;
  /** Invocations of the entity function that carried it and did not answer. */
  readonly attempts: number;
  readonly enqueuedAt: number;
  readonly finishedAt: number | undefined;
}

export interface NewEntityOperation extends EntityRef {
  readonly operationId: string;
  readonly operation: string;
  readonly input: string;
  readonly kind: "call" | "signal";
  readonly nowMs: number;
}

export interface ClaimedEntity {
  readonly entity: EntityRecord;
  readonly claimToken: number;
  /** The oldest queued operations of the key, at most the batch size asked for. */
  readonly operations: readonly EntityOperation[];
}

export interface EntityOperationResult {
  readonly operationId: string;
  readonly output?: string | undefined;
  readonly error?: string | undefined;
}

export interface EntityCommit extends EntityRef {
  readonly claimToken: number;
  /** The state after the operations (JSON text); undefined leaves it as it is. */
  readonly state: string | undefined;
  readonly results: readonly EntityOperationResult[];
  readonly nowMs: number;
}

export interface EntityStore {
  /**
   * Stores a queued operation (creating the key's row) and makes the key due; an existing
   * operation id of that key returns the stored operation with duplicate true.
   */
  enqueue(input: NewEntityOperation): Promise<{ operation: EntityOperation; duplicate: boolean }>;
  get(ref: EntityRef): Promise<EntityRecord | undefined>;
  /** Keys in name order; `entity` undefined: every entity of the app. */
  list(app: string, entity: string | undefined, limit: number): Promise<EntityRecord[]>;
  operation(ref: EntityRef, operationId: string): Promise<EntityOperation | undefined>;
  /** The key's operations, newest first (completed ones are kept for the last OPERATIONS_KEPT). */
  history(ref: EntityRef, limit: number): Promise<EntityOperation[]>;
  /**
   * Claims up to `limit` keys with queued operations, due by `nowMs` and not claimed, for
   * `claimMs`, each with a new token and its oldest `batch` queued operations.
   */
  claimDue(nowMs: number, limit: number, batch: number, claimMs: number): Promise<ClaimedEntity[]>;
  /** Keeps a claim while its batch runs; false once the token is no longer current. */
  extendClaim(ref: EntityRef, claimToken: number, claimedUntilMs: number): Promise<boolean>;
  /** Completes operations and stores the state in one transaction, only if the token is current. */
  commit(commit: EntityCommit): Promise<boolean>;
  /**
   * Gives a claim up without results (the invocation did not answer): the named operations
   * count one more attempt and the key is due again at `dueAt`. False for a stale token.
   */
  release(
    ref: EntityRef,
    claimToken: number,
    failedOperationIds: readonly string[],
    dueAt: number,
    nowMs: number,
  ): Promise<boolean>;
  /** Soonest due time among keys with queued operations, or undefined. */
  nextDueAt(): Promise<number | undefined>;
}

/** Completed operations kept per key (history, and the window in which an operation id dedups). */
export const OPERATIONS_KEPT = 1_000;
