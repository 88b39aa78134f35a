// SQS's limits, so code written for SQS fits: bodies, batches and waits.

/** One message (body plus attribute names and values), and one batch in total, in UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
export const MAX_BATCH_ENTRIES = 10;
export const MAX_RECEIVE_MESSAGES = 10;
/** Long polling waits at most this long for a message. */
export const MAX_WAIT_TIME_MS = 20_000;
/** While long polling, look again this often even without a wake-up (delays, lost notifications). */
export const LONG_POLL_RECHECK_MS = 1_000;
/** The change-feed channel that says "queue <app>/<name> has new messages". */
export const QUEUE_WAKE_CHANNEL = "nimbus.queues";
