// One table trigger (`events: - table: orders` of one function): reads the table's change
// records after the function's checkpoint, calls the function with them, and moves the
// checkpoint past what it processed. One batch at a time, so records reach the function in
// commit order (per key and across the table: a table is one shard). A failed batch is retried
// with backoff, blocking the table's later records for this function, until it succeeds or the
// function's `async.maximumRetryAttempts` are used up; then its failure record goes to the
// dead-letter queue / onFailure destination and the stream moves on.
import { newRequestId } from "../../core/ids.ts";
import type { FunctionConfig } from "../../core/manifest/normalize.ts";
import type { TableTriggerConfig } from "../../core/manifest/table-triggers.ts";
import type { TableConfig } from "../../core/manifest/tables.ts";
import type { InvocationRequest } from "../../runtime/protocol.ts";
import type { InvocationOutcome } from "../../runtime/types.ts";
import type { TableChangeStore } from "../../store/table-change-ports.ts";
import { type BackoffPolicy, retryDelayMs } from "../async/retry-backoff.ts";
import {
  firstFailedIndex,
  type StreamRecord,
  streamFailureRecord,
  streamRecord,
  toStreamBatchRequest,
} from "./table-stream-event.ts";

/** A batch's JSON stays under this, whatever batchSize says (Lambda's 6 MB payload limit). */
export const MAX_STREAM_PAYLOAD_BYTES = 5 * 1024 * 1024;

export interface TableStreamTarget {
  /** The function and the table as the app's live config has them now (undefined: gone). */
  current(): { fn: FunctionConfig; table: TableConfig } | undefined;
  /** Calls the function of the app's current version; rejects when it cannot be called (throttled, gone). */
  invoke(request: InvocationRequest, requestId: string): Promise<InvocationOutcome>;
  /** Delivers a failure record to the function's dead-letter queue and onFailure destination. */
  sendFailure(fn: FunctionConfig, record: string): Promise<void>;
}

export interface TableStreamConsumerOptions {
  readonly app: string;
  readonly functionName: string;
  readonly trigger: TableTriggerConfig;
  readonly store: TableChangeStore;
  readonly target: TableStreamTarget;
  readonly backoff: BackoffPolicy;
}

export type StepResult = "delivered" | "idle" | { readonly retryAtMs: number };

export class TableStreamConsumer {
  readonly #options: TableStreamConsumerOptions;
  /** Failed attempts of the batch at the checkpoint (kept in memory: a restart starts again). */
  #attempts = 0;
  #retryAtMs = 0;

  constructor(options: TableStreamConsumerOptions) {
    this.#options = options;
  }

  get consumerId(): string {
    return this.#options.functionName;
  }

  /** Delivers at most one batch. Call it from one caller at a time. */
  async step(nowMs = Date.now()): Promise<StepResult> {
    if (nowMs < this.#retryAtMs) return { retryAtMs: this.#retryAtMs };
    const { app, functionName, trigger, store, target } = this.#options;
    const current = target.current();
    if (!current) return "idle";
    const after = await store.changeCheckpoint(app, trigger.table, functionName);
    const changes = await store.readChanges(app, trigger.table, after, trigger.batchSize);
    if (changes.length === 0) return "idle";
    const records: StreamRecord[] = [];
    let bytes = 0;
    for (const change of changes) {
      const record = streamRecord(app, current.table, change);
      bytes += Buffer.byteLength(JSON.stringify(record));
      if (records.length > 0 && bytes > MAX_STREAM_PAYLOAD_BYTES) break;
      records.push(record);
    }
    const request = toStreamBatchRequest(app, trigger.table, records);
    let outcome: InvocationOutcome;
    try {
      outcome = await target.invoke({ kind: "direct", ...request }, newRequestId());
    } catch {
      // Throttled or not callable now: try again later; this does not use up a retry.
      return this.#retryLater(nowMs, Math.max(1, this.#attempts));
    }
    const failedAt = outcome.status === "error" ? 0 : firstFailedIndex(outcome.response, records);
    const seqOf = (index: number) => Number(records[index]?.dynamodb.SequenceNumber);
    if (failedAt === undefined) {
      await store.advanceChangeCheckpoint(app, trigger.table, functionName, seqOf(records.length - 1));
      this.#attempts = 0;
      return "delivered";
    }
    // What succeeded before the first failure is done: the retry starts at the failed record.
    if (failedAt > 0) {
      await store.advanceChangeCheckpoint(app, trigger.table, functionName, seqOf(failedAt - 1));
      this.#attempts = 0;
    }
    this.#attempts += 1;
    if (this.#attempts <= (current.fn.async?.maximumRetryAttempts ?? 2))
      return this.#retryLater(nowMs, this.#attempts);
    const failed = records.slice(failedAt);
    await target.sendFailure(
      current.fn,
      streamFailureRecord({
        app,
        functionName,
        table: trigger.table,
        records: failed,
        attempts: this.#attempts,
        statusCode: outcome.response?.status,
        error: outcome.errorMessage ?? (outcome.status === "error" ? "Unhandled" : "BatchItemFailure"),
      }),
    );
    await store.advanceChangeCheckpoint(app, trigger.table, functionName, seqOf(records.length - 1));
    this.#attempts = 0;
    return "delivered";
  }

  #retryLater(nowMs: number, retry: number): StepResult {
    this.#retryAtMs = nowMs + retryDelayMs(retry, this.#options.backoff);
    return { retryAtMs: this.#retryAtMs };
  }
}
