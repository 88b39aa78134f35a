// Key conditions of a query: equality on the partition key, and at most one condition on the
// sort key (=, <, <=, >, >=, BETWEEN, begins_with). They are parsed with the condition grammar
// and then checked for this shape, so the store can answer them from its key index.
import { NimbusError } from "../errors.ts";
import { type Condition, parseCondition } from "./condition.ts";
import type { Operand } from "./token-cursor.ts";
import type { AttributePath, ExpressionInputs, TableValue } from "./values.ts";

export type KeyValue = string | number;

export type SortKeyCondition =
  | { readonly op: "=" | "<" | "<=" | ">" | ">="; readonly value: KeyValue }
  | { readonly op: "between"; readonly low: KeyValue; readonly high: KeyValue }
  | { readonly op: "beginsWith"; readonly prefix: string };

export interface KeyCondition {
  readonly partition: KeyValue;
  readonly sort: SortKeyCondition | undefined;
}

export interface KeySchemaNames {
  readonly partitionKey: string;
  readonly sortKey: string | undefined;
}

function invalid(expression: string, problem: string): NimbusError {
  return new NimbusError("TABLE_EXPRESSION_INVALID", `key condition expression "${expression}": ${problem}`);
}

export function parseKeyCondition(
  expression: string,
  inputs: ExpressionInputs,
  keys: KeySchemaNames,
): KeyCondition {
  const parsed = parseCondition(expression, inputs, "key condition");
  const parts = parsed.kind === "and" ? [parsed.left, parsed.right] : [parsed];
  if (parts.some((part) => part.kind === "and"))
    throw invalid(expression, "use at most two conditions: the partition key, then the sort key");
  let partition: KeyValue | undefined;
  let sort: SortKeyCondition | undefined;
  for (const part of parts) {
    const name = attributeOf(part);
    if (name === keys.partitionKey && part.kind === "compare" && part.op === "=" && partition === undefined) {
      partition = keyValue(expression, part.right);
    } else if (name !== undefined && name === keys.sortKey && sort === undefined) {
      sort = sortCondition(expression, part);
    } else {
      throw invalid(
        expression,
        `each condition must be "${keys.partitionKey} = :value"${keys.sortKey ? ` or one condition on the sort key "${keys.sortKey}"` : " (the table has no sort key)"}`,
      );
    }
  }
  if (partition === undefined) throw invalid(expression, `it must include "${keys.partitionKey} = :value"`);
  return { partition, sort };
}

function pathName(path: AttributePath): string | undefined {
  return path.length === 1 && typeof path[0] === "string" ? path[0] : undefined;
}

function attributeOf(condition: Condition): string | undefined {
  if (condition.kind === "compare" && condition.left.kind === "path") return pathName(condition.left.path);
  if (condition.kind === "between" && condition.operand.kind === "path")
    return pathName(condition.operand.path);
  if (condition.kind === "beginsWith" && condition.subject.kind === "path")
    return pathName(condition.subject.path);
  return undefined;
}

function keyValue(expression: string, operand: Operand): KeyValue {
  const value: TableValue | undefined = operand.kind === "value" ? operand.value : undefined;
  if (typeof value === "string" || (typeof value === "number" && Number.isFinite(value))) return value;
  throw invalid(expression, "key values must be :values holding a string or a number");
}

function sortCondition(expression: string, condition: Condition): SortKeyCondition {
  if (condition.kind === "compare" && condition.op !== "<>")
    return { op: condition.op, value: keyValue(expression, condition.right) };
  if (condition.kind === "between") {
    const low = keyValue(expression, condition.low);
    const high = keyValue(expression, condition.high);
    if (typeof low !== typeof high || low > high)
      throw invalid(expression, "BETWEEN needs two values of one type, the lower first");
    return { op: "between", low, high };
  }
  if (condition.kind === "beginsWith") {
    const prefix = keyValue(expression, condition.operand);
    if (typeof prefix !== "string") throw invalid(expression, "begins_with takes a string prefix");
    return { op: "beginsWith", prefix };
  }
  throw invalid(expression, "the sort key condition must be =, <, <=, >, >=, BETWEEN or begins_with");
}

/** Whether a stored sort key value satisfies the condition (the adapters' SQL does the same). */
export function sortKeyMatches(condition: SortKeyCondition, value: KeyValue): boolean {
  switch (condition.op) {
    case "beginsWith":
      return typeof value === "string" && value.startsWith(condition.prefix);
    case "between":
      return typeof value === typeof condition.low && value >= condition.low && value <= condition.high;
    default: {
      if (typeof value !== typeof condition.value) return false;
      const target = condition.value;
      if (condition.op === "=") return value === target;
      if (condition.op === "<") return value < target;
      if (condition.op === "<=") return value <= target;
      if (condition.op === ">") return value > target;
      return value >= target;
    }
  }
}
