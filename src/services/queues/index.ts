// Queues with SQS semantics (see ARCHITECTURE.md).

export {
  type BatchMessage,
  failedMessageIds,
  QUEUE_BATCH_EVENT_TYPE,
  queueArn,
  type SqsRecord,
  toBatchRequest,
} from "./queue-batch-event.ts";
export { QueueConsumer, type QueueConsumerOptions } from "./queue-consumer.ts";
export { QueueConsumers, type QueueConsumersOptions, type QueueTriggerHost } from "./queue-consumers.ts";
export {
  LONG_POLL_RECHECK_MS,
  MAX_BATCH_ENTRIES,
  MAX_MESSAGE_BYTES,
  MAX_RECEIVE_MESSAGES,
  MAX_WAIT_TIME_MS,
} from "./queue-limits.ts";
export { registerQueueRoutes } from "./queue-routes.ts";
export {
  type QueueDescription,
  QueueService,
  type QueueServiceOptions,
  type ReceiveRequest,
  type SendEntry,
} from "./queue-service.ts";
export { QueueWakeups } from "./queue-wakeups.ts";
