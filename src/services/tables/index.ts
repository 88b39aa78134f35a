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
