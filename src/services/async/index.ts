// Async invocation with retries, dead letters and destinations (see ARCHITECTURE.md).

export {
  type AsyncInvocationHost,
  AsyncInvocations,
  type AsyncInvocationsOptions,
  type AsyncTarget,
  type EnqueueAsyncInvocation,
  IDEMPOTENCY_WINDOW_MS,
  MAX_ASYNC_PAYLOAD_BYTES,
} from "./async-invocations.ts";
export { asyncInvocationView, registerAsyncRoutes } from "./async-routes.ts";
export { deadLetterMessage, destinationRecord, functionArn } from "./destination-record.ts";
export { type BackoffPolicy, DEFAULT_BACKOFF, retryDelayMs } from "./retry-backoff.ts";
