// The persistence port of queues (src/services/queues/). A queue is named per app; its
// settings (visibility timeout, retention, FIFO, dead-letter queue) come from the app's
// manifest and are passed in by the service on each call, so the store keeps messages only.
// Times (visibility, delay, retention) are the store's clock: the database server's for
// PostgreSQL, so nodes whose clocks disagree still agree on when a message is visible.

export interface QueueRef {
  readonly app: string;
  readonly queue: string;
}

export interface NewQueueMessage {
  /** The message body as sent (at most 256 KB, checked by the service). */
  readonly body: string;
  /** Message attributes (string values), delivered with the message. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Invisible for this long after the send. */
  readonly delayMs: number;
  /** FIFO queues: messages of one group are delivered one batch at a time, in send order. */
  readonly groupId: string | undefined;
  /** A repeat of this id within the deduplication window is accepted but not stored again. */
  readonly deduplicationId: string | undefined;
}

export interface SendMessagesOptions {
  readonly retentionMs: number;
  readonly deduplicationWindowMs: number;
  /** FIFO: sends and receives of the queue are serialized, so send order is delivery order. */
  readonly fifo: boolean;
}

export interface SentMessage {
  readonly messageId: string;
  /** Increases with every message stored in the store; FIFO delivery order. */
  readonly sequenceNumber: number;
  /** True when the deduplication id was seen within the window: nothing new was stored. */
  readonly duplicate: boolean;
}

export interface ReceiveMessagesOptions {
  /** 1 to 10. */
  readonly maxMessages: number;
  readonly visibilityTimeoutMs: number;
  readonly fifo: boolean;
  /**
   * A message received `maxReceiveCount` times already is moved to the dead-letter queue
   * instead of being delivered again (keeping its id and body).
   */
  readonly redrive:
    | {
        readonly deadLetterQueue: string;
        readonly maxReceiveCount: number;
        /** The dead-letter queue's retention, counted from the move. */
        readonly deadLetterRetentionMs: number;
      }
    | undefined;
}

export interface ReceivedMessage {
  readonly messageId: string;
  /** Needed to delete the message or change its visibility; a new one on every receive. */
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly groupId: string | undefined;
  readonly deduplicationId: string | undefined;
  readonly sequenceNumber: number;
  /** Epoch ms. */
  readonly sentAt: number;
  readonly firstReceivedAt: number;
  /** 1 on the first delivery. */
  readonly receiveCount: number;
}

export interface QueueStats {
  /** Messages that a receive would return now (the queue's depth). */
  readonly visible: number;
  /** Received and not yet deleted, invisible until their visibility timeout ends. */
  readonly inFlight: number;
  /** Sent with a delay that has not passed yet. */
  readonly delayed: number;
  /** Age of the oldest message, in ms by the store's clock; undefined when empty. */
  readonly oldestAgeMs: number | undefined;
}

export interface QueueStore {
  /** Stores all messages in one transaction (all or none); the result is in input order. */
  sendMessages(
    ref: QueueRef,
    messages: readonly NewQueueMessage[],
    options: SendMessagesOptions,
  ): Promise<SentMessage[]>;
  /** Claims up to maxMessages visible messages (FOR UPDATE SKIP LOCKED on PostgreSQL). */
  receiveMessages(ref: QueueRef, options: ReceiveMessagesOptions): Promise<ReceivedMessage[]>;
  /** False when the handle is not the message's current one (re-received or already deleted). */
  deleteMessage(ref: QueueRef, receiptHandle: string): Promise<boolean>;
  /** Deletes several in one transaction; returns the handles that were current (and are deleted). */
  deleteMessages(ref: QueueRef, receiptHandles: readonly string[]): Promise<string[]>;
  /** Only while the message is in flight with this handle; false otherwise. */
  changeVisibility(ref: QueueRef, receiptHandle: string, visibilityTimeoutMs: number): Promise<boolean>;
  /** Deletes every message; returns how many. */
  purge(ref: QueueRef): Promise<number>;
  stats(ref: QueueRef): Promise<QueueStats>;
  /**
   * Moves up to `maxMessages` messages (all when undefined) from a queue (a dead-letter
   * queue) to `target` of the same app, visible at once, receive count reset.
   */
  redrive(
    from: QueueRef,
    target: { readonly queue: string; readonly retentionMs: number },
    maxMessages: number | undefined,
  ): Promise<number>;
}
