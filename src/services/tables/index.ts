// Tables: DynamoDB-style document tables (see ARCHITECTURE.md, docs/tables.md).

export { createTableExpiry, sweepExpiredItems, TABLE_EXPIRY_LEASE } from "./table-expiry.ts";
export { registerTableRoutes } from "./table-routes.ts";
export {
  type Page,
  type QueryOptions,
  type ScanOptions,
  TableService,
  type TransactionEntry,
} from "./table-service.ts";
export { sendStreamFailure } from "./table-stream-failures.ts";
export {
  TABLE_CHANGES_CHANNEL,
  TABLE_STREAMS_LEASE,
  TableStreams,
  type TableStreamsHost,
  tableHasTriggers,
} from "./table-streams.ts";
