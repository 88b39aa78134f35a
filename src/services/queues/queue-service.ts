// The queue service: SQS semantics on top of the QueueStore port. It resolves a queue's
// settings from the app's deployed manifest, checks every request before anything is stored
// (so a refused request changes nothing) and implements long polling.
import { createHash } from "node:crypto";
import { NimbusError } from "../../core/errors.ts";
import { QUEUE_DEFAULTS, QUEUE_LIMITS, type QueueConfig } from "../../core/manifest/queues.ts";
import type {
  NewQueueMessage,
  QueueStats,
  QueueStore,
  ReceivedMessage,
  ReceiveMessagesOptions,
  SentMessage,
} from "../../store/queue-ports.ts";
import {
  LONG_POLL_RECHECK_MS,
  MAX_BATCH_ENTRIES,
  MAX_MESSAGE_BYTES,
  MAX_WAIT_TIME_MS,
} from "./queue-limits.ts";
import type { QueueWakeups } from "./queue-wakeups.ts";

export interface SendEntry {
  readonly body: string;
  readonly attributes?: Readonly<Record<string, string>> | undefined;
  /** Overrides the queue's delay (standard queues only, as in SQS). */
  readonly delayMs?: number | undefined;
  readonly groupId?: string | undefined;
  readonly deduplicationId?: string | undefined;
}

export interface ReceiveRequest {
  readonly maxMessages?: number | undefined;
  /** Long polling: wait up to this long for a message when none is visible (at most 20 s). */
  readonly waitTimeMs?: number | undefined;
  /** Overrides the queue's visibility timeout for the messages of this receive. */
  readonly visibilityTimeoutMs?: number | undefined;
}

export interface QueueDescription {
  readonly app: string;
  readonly config: QueueConfig;
  readonly stats: QueueStats;
  /** Queues whose dead-letter queue this one is (the targets of a redrive). */
  readonly sourceQueues: readonly string[];
}

export interface QueueServiceOptions {
  readonly store: QueueStore;
  readonly wakeups: QueueWakeups;
  /** The queues the app's active deployment declares; undefined when the app is not deployed. */
  readonly queuesOf: (app: string) => Readonly<Record<string, QueueConfig>> | undefined;
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function messageBytes(entry: SendEntry): number {
  let bytes = utf8Bytes(entry.body);
  for (const [name, value] of Object.entries(entry.attributes ?? {}))
    bytes += utf8Bytes(name) + utf8Bytes(value);
  return bytes;
}

export class QueueService {
  readonly #options: QueueServiceOptions;

  constructor(options: QueueServiceOptions) {
    this.#options = options;
  }

  /** The queue's settings; QUEUE_NOT_FOUND (or APP_NOT_FOUND) when it is not declared. */
  config(app: string, queue: string): QueueConfig {
    const queues = this.#queues(app);
    const config = queues[queue];
    if (!config) {
      const known = Object.keys(queues);
      throw new NimbusError(
        "QUEUE_NOT_FOUND",
        `App "${app}" has no queue "${queue}"${known.length > 0 ? ` (queues: ${known.join(", ")})` : ""}`,
      );
    }
    return config;
  }

  async list(app: string): Promise<QueueDescription[]> {
    const names = Object.keys(this.#queues(app)).sort();
    return Promise.all(names.map((name) => this.describe(app, name)));
  }

  async describe(app: string, queue: string): Promise<QueueDescription> {
    const config = this.config(app, queue);
    return {
      app,
      config,
      stats: await this.#options.store.stats({ app, queue }),
      sourceQueues: this.#sourcesOf(app, queue),
    };
  }

  /** All entries are checked first; then they are stored in one transaction, or none is. */
  async send(app: string, queue: string, entries: readonly SendEntry[]): Promise<SentMessage[]> {
    const config = this.config(app, queue);
    if (entries.length === 0 || entries.length > MAX_BATCH_ENTRIES) {
      throw new NimbusError(
        "BAD_REQUEST",
        `A send takes 1 to ${MAX_BATCH_ENTRIES} messages, not ${entries.length}`,
      );
    }
    let totalBytes = 0;
    const messages = entries.map((entry, index): NewQueueMessage => {
      const bytes = messageBytes(entry);
      totalBytes += bytes;
      if (bytes > MAX_MESSAGE_BYTES) {
        throw new NimbusError(
          "MESSAGE_TOO_LARGE",
          `Message ${index} is ${bytes} bytes; a message may be at most ${MAX_MESSAGE_BYTES} bytes`,
        );
      }
      return this.#toMessage(config, entry, index);
    });
    if (totalBytes > MAX_MESSAGE_BYTES) {
      throw new NimbusError(
        "MESSAGE_TOO_LARGE",
        `The batch is ${totalBytes} bytes; a batch may be at most ${MAX_MESSAGE_BYTES} bytes in total`,
      );
    }
    const ref = { app, queue };
    const sent = await this.#options.store.sendMessages(ref, messages, {
      retentionMs: config.retentionMs,
      deduplicationWindowMs: QUEUE_DEFAULTS.deduplicationWindowMs,
      fifo: config.fifo,
    });
    await this.#options.wakeups.announce(ref);
    return sent;
  }

  async receive(app: string, queue: string, request: ReceiveRequest = {}): Promise<ReceivedMessage[]> {
    const config = this.config(app, queue);
    const maxMessages = request.maxMessages ?? 1;
    const waitTimeMs = Math.min(request.waitTimeMs ?? 0, MAX_WAIT_TIME_MS);
    const visibilityTimeoutMs = request.visibilityTimeoutMs ?? config.visibilityTimeoutMs;
    if (visibilityTimeoutMs > QUEUE_LIMITS.maxVisibilityTimeoutMs) {
      throw new NimbusError(
        "BAD_REQUEST",
        `visibilityTimeoutMs may be at most ${QUEUE_LIMITS.maxVisibilityTimeoutMs}`,
      );
    }
    const ref = { app, queue };
    const options = {
      maxMessages,
      visibilityTimeoutMs,
      fifo: config.fifo,
      redrive: this.#redriveOf(app, config),
    };
    const deadline = Date.now() + waitTimeMs;
    for (;;) {
      const received = await this.#options.store.receiveMessages(ref, options);
      const remainingMs = deadline - Date.now();
      if (received.length > 0 || remainingMs <= 0 || this.#options.wakeups.stopped) return received;
      await this.#options.wakeups.wait(ref, Math.min(remainingMs, LONG_POLL_RECHECK_MS));
    }
  }

  async delete(app: string, queue: string, receiptHandle: string): Promise<void> {
    this.config(app, queue);
    if (!(await this.#options.store.deleteMessage({ app, queue }, receiptHandle))) {
      throw new NimbusError(
        "RECEIPT_HANDLE_INVALID",
        `Queue "${queue}" has no message with receipt handle ${receiptHandle}`,
      );
    }
  }

  /** Deletes each handle on its own: returns which were deleted and which were not current. */
  async deleteBatch(
    app: string,
    queue: string,
    receiptHandles: readonly string[],
  ): Promise<{ deleted: string[]; invalid: string[] }> {
    this.config(app, queue);
    const deleted = await this.#options.store.deleteMessages({ app, queue }, receiptHandles);
    const done = new Set(deleted);
    const invalid = receiptHandles.filter((handle) => !done.has(handle));
    return { deleted, invalid };
  }

  async changeVisibility(
    app: string,
    queue: string,
    receiptHandle: string,
    visibilityTimeoutMs: number,
  ): Promise<void> {
    this.config(app, queue);
    if (visibilityTimeoutMs > QUEUE_LIMITS.maxVisibilityTimeoutMs) {
      throw new NimbusError(
        "BAD_REQUEST",
        `visibilityTimeoutMs may be at most ${QUEUE_LIMITS.maxVisibilityTimeoutMs}`,
      );
    }
    const ref = { app, queue };
    if (!(await this.#options.store.changeVisibility(ref, receiptHandle, visibilityTimeoutMs))) {
      throw new NimbusError(
        "RECEIPT_HANDLE_INVALID",
        `Queue "${queue}" has no in-flight message with receipt handle ${receiptHandle}`,
      );
    }
    if (visibilityTimeoutMs === 0) await this.#options.wakeups.announce(ref);
  }

  async purge(app: string, queue: string): Promise<number> {
    this.config(app, queue);
    return this.#options.store.purge({ app, queue });
  }

  /**
   * Moves messages of a dead-letter queue back to a source queue: `to`, or its only source.
   * Returns how many moved and where.
   */
  async redrive(
    app: string,
    deadLetterQueue: string,
    request: { readonly to?: string | undefined; readonly maxMessages?: number | undefined } = {},
  ): Promise<{ moved: number; to: string }> {
    this.config(app, deadLetterQueue);
    const sources = this.#sourcesOf(app, deadLetterQueue);
    const to = request.to ?? (sources.length === 1 ? sources[0] : undefined);
    if (to === undefined) {
      throw new NimbusError(
        "BAD_REQUEST",
        sources.length === 0
          ? `Queue "${deadLetterQueue}" is no queue's dead-letter queue; say where to move its messages ("to")`
          : `Queue "${deadLetterQueue}" is the dead-letter queue of ${sources.join(", ")}; say which one ("to")`,
      );
    }
    const target = this.config(app, to);
    if (target.fifo !== this.config(app, deadLetterQueue).fifo) {
      throw new NimbusError(
        "BAD_REQUEST",
        `Queue "${to}" is ${target.fifo ? "" : "not "}FIFO and "${deadLetterQueue}" is${target.fifo ? " not" : ""}`,
      );
    }
    const ref = { app, queue: deadLetterQueue };
    const moved = await this.#options.store.redrive(
      ref,
      { queue: to, retentionMs: target.retentionMs },
      request.maxMessages,
    );
    if (moved > 0) await this.#options.wakeups.announce({ app, queue: to });
    return { moved, to };
  }

  /** How a consumer of the queue receives now; undefined when the queue is not declared (any more). */
  consumerReceive(
    app: string,
    queue: string,
    maxMessages: number,
  ): { config: QueueConfig; options: ReceiveMessagesOptions } | undefined {
    const config = this.#options.queuesOf(app)?.[queue];
    if (!config) return undefined;
    return {
      config,
      options: {
        maxMessages,
        visibilityTimeoutMs: config.visibilityTimeoutMs,
        fifo: config.fifo,
        redrive: this.#redriveOf(app, config),
      },
    };
  }

  #queues(app: string): Readonly<Record<string, QueueConfig>> {
    const queues = this.#options.queuesOf(app);
    if (!queues) throw new NimbusError("APP_NOT_FOUND", `App "${app}" is not deployed`);
    return queues;
  }

  #sourcesOf(app: string, deadLetterQueue: string): string[] {
    return Object.values(this.#queues(app))
      .filter((queue) => queue.deadLetter?.queue === deadLetterQueue)
      .map((queue) => queue.name)
      .sort();
  }

  #redriveOf(app: string, config: QueueConfig) {
    if (!config.deadLetter) return undefined;
    const dead = this.#queues(app)[config.deadLetter.queue];
    return {
      deadLetterQueue: config.deadLetter.queue,
      maxReceiveCount: config.deadLetter.maxReceiveCount,
      deadLetterRetentionMs: dead?.retentionMs ?? QUEUE_DEFAULTS.retentionMs,
    };
  }

  #toMessage(config: QueueConfig, entry: SendEntry, index: number): NewQueueMessage {
    const where = `message ${index}`;
    if (config.fifo && !entry.groupId) {
      throw new NimbusError(
        "BAD_REQUEST",
        `${where}: queue "${config.name}" is FIFO: every message needs a groupId`,
      );
    }
    if (!config.fifo && entry.groupId) {
      throw new NimbusError(
        "BAD_REQUEST",
        `${where}: groupId is for FIFO queues; "${config.name}" is not one`,
      );
    }
    if (config.fifo && entry.delayMs !== undefined) {
      throw new NimbusError(
        "BAD_REQUEST",
        `${where}: FIFO queues take no per-message delay (set the queue's delay)`,
      );
    }
    const delayMs = entry.delayMs ?? config.delayMs;
    if (delayMs > QUEUE_LIMITS.maxDelayMs) {
      throw new NimbusError("BAD_REQUEST", `${where}: delayMs may be at most ${QUEUE_LIMITS.maxDelayMs}`);
    }
    let deduplicationId = entry.deduplicationId;
    if (config.fifo && deduplicationId === undefined) {
      if (!config.contentBasedDeduplication) {
        throw new NimbusError(
          "BAD_REQUEST",
          `${where}: queue "${config.name}" needs a deduplicationId (or contentBasedDeduplication: true)`,
        );
      }
      deduplicationId = createHash("sha256").update(entry.body).digest("hex");
    }
    return {
      body: entry.body,
      attributes: { ...entry.attributes },
      delayMs,
      groupId: entry.groupId,
      deduplicationId,
    };
  }
}
