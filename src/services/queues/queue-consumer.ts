// One queue trigger (`events: - queue: jobs` of one function) on this node: receives batches,
// calls the function, deletes what it processed. At least once: a message is deleted only
// after the function answered for it, so a crash (of the function or of the whole platform)
// leaves it in the queue, visible again when its visibility timeout ends. Every node runs the
// consumers of its live apps; receives claim disjoint messages, so nodes share the work.
import type { QueueConfig, QueueTriggerConfig } from "../../core/manifest/queues.ts";
import type { HttpResult, InvocationRequest } from "../../runtime/protocol.ts";
import type { QueueStore, ReceivedMessage, ReceiveMessagesOptions } from "../../store/queue-ports.ts";
import { failedMessageIds, toBatchRequest } from "./queue-batch-event.ts";
import { LONG_POLL_RECHECK_MS } from "./queue-limits.ts";
import type { QueueWakeups } from "./queue-wakeups.ts";

/** After a failure of the store itself, wait this long before receiving again. */
const STORE_ERROR_BACKOFF_MS = 1_000;

export interface QueueConsumerOptions {
  readonly app: string;
  readonly functionName: string;
  readonly trigger: QueueTriggerConfig;
  readonly store: QueueStore;
  readonly wakeups: QueueWakeups;
  /** The queue's settings now, and the receive options they imply (dead-letter redrive). */
  readonly receiveOptions: (
    batchSize: number,
  ) => { config: QueueConfig; options: ReceiveMessagesOptions } | undefined;
  /** Calls the function of the app's current version; rejects when it cannot be called (throttled, gone). */
  readonly invoke: (
    request: InvocationRequest,
  ) => Promise<{ response: HttpResult | undefined; failed: boolean }>;
  readonly onError: (error: unknown) => void;
}

export class QueueConsumer {
  readonly #options: QueueConsumerOptions;
  readonly #ref: { app: string; queue: string };
  readonly #inFlight = new Set<Promise<void>>();
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wakeLoop: (() => void) | undefined;

  constructor(options: QueueConsumerOptions) {
    this.#options = options;
    this.#ref = { app: options.app, queue: options.trigger.queue };
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops receiving and waits for the batches in flight (their messages are deleted or left). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeLoop?.();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        if (this.#inFlight.size >= this.#options.trigger.maxConcurrency) {
          await Promise.race(this.#inFlight);
          continue;
        }
        const batch = await this.#gather();
        if (batch.length > 0) this.#dispatch(batch);
      } catch (error) {
        this.#options.onError(error);
        await this.#pause(STORE_ERROR_BACKOFF_MS);
      }
    }
  }

  /** One batch: up to batchSize messages, gathered for at most maximumBatchingWindowMs. */
  async #gather(): Promise<ReceivedMessage[]> {
    const { batchSize, maximumBatchingWindowMs } = this.#options.trigger;
    const batch: ReceivedMessage[] = [];
    const deadline = Date.now() + maximumBatchingWindowMs;
    for (;;) {
      const receive = this.#options.receiveOptions(batchSize - batch.length);
      if (!receive) {
        // The queue is no longer declared (a deploy is replacing this consumer).
        await this.#pause(LONG_POLL_RECHECK_MS);
        return batch;
      }
      batch.push(...(await this.#options.store.receiveMessages(this.#ref, receive.options)));
      if (batch.length >= batchSize || this.#stopped) return batch;
      const remainingMs = batch.length === 0 ? LONG_POLL_RECHECK_MS : deadline - Date.now();
      if (remainingMs <= 0) return batch;
      await this.#waitForMessages(remainingMs);
      if (this.#stopped) return batch;
    }
  }

  #dispatch(batch: ReceivedMessage[]): void {
    const work = this.#process(batch)
      .catch((error: unknown) => this.#options.onError(error))
      .finally(() => this.#inFlight.delete(work));
    this.#inFlight.add(work);
  }

  async #process(batch: ReceivedMessage[]): Promise<void> {
    const { app, trigger } = this.#options;
    const request = toBatchRequest(app, trigger.queue, batch);
    let answer: { response: HttpResult | undefined; failed: boolean };
    try {
      answer = await this.#options.invoke({ kind: "direct", ...request });
    } catch {
      // Throttled (429) or not callable now: the messages come back after their visibility
      // timeout and are tried again, as SQS does for Lambda. Nothing is lost.
      return;
    }
    const failed = answer.failed
      ? new Set(batch.map((m) => m.messageId))
      : failedMessageIds(answer.response, batch);
    const blockedGroups = new Set<string>();
    const processed: string[] = [];
    for (const message of batch) {
      // FIFO: after a failed message, the rest of its group is not processed either (kept in order).
      const group = message.groupId;
      if (failed.has(message.messageId) || (group !== undefined && blockedGroups.has(group))) {
        if (group !== undefined) blockedGroups.add(group);
        continue;
      }
      processed.push(message.receiptHandle);
    }
    if (processed.length > 0) await this.#options.store.deleteMessages(this.#ref, processed);
  }

  #waitForMessages(timeoutMs: number): Promise<void> {
    return this.#pause(timeoutMs, true);
  }

  /** Waits `ms`, or less when woken (by new messages if `onMessages`, always by stop()). */
  #pause(ms: number, onMessages = false): Promise<void> {
    return new Promise<void>((resolve) => {
      let settled = false;
      const done = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#wakeLoop = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeLoop = done;
      if (onMessages) void this.#options.wakeups.wait(this.#ref, ms).then(done);
    });
  }
}
