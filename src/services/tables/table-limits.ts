// DynamoDB's limits, so code written against DynamoDB behaves the same here.
export const TABLE_LIMITS = {
  /** An item as JSON (UTF-8), after an update. */
  maxItemBytes: 400 * 1024,
  maxKeyBytes: 1024,
  maxBatchGetKeys: 100,
  maxBatchWriteEntries: 25,
  maxTransactionEntries: 100,
  maxPageItems: 1_000,
  defaultPageItems: 100,
  /** Items the TTL sweep deletes per table per pass. */
  expiryBatchItems: 500,
} as const;
