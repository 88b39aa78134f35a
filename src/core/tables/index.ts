// The table expression language, pure (see src/services/tables/ARCHITECTURE.md).
export {
  type Comparator,
  type Condition,
  compareValues,
  evaluateCondition,
  parseCondition,
} from "./condition.ts";
export {
  type KeyCondition,
  type KeySchemaNames,
  type KeyValue,
  parseKeyCondition,
  type SortKeyCondition,
  sortKeyMatches,
} from "./key-condition.ts";
export { parseProjection, project } from "./projection.ts";
export { applyUpdate, parseUpdate, type UpdateAction } from "./update.ts";
export {
  type AttributePath,
  type ExpressionInputs,
  formatPath,
  isObject,
  sameValue,
  type TableItem,
  type TableValue,
  valueAt,
} from "./values.ts";
