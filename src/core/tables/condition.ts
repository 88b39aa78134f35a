// Condition expressions (also filters): DynamoDB's grammar, parsed once into a tree and
// evaluated against an item. Placeholders are resolved while parsing, so a missing `:value`
// is a TABLE_EXPRESSION_INVALID before anything is read or written.
import { describe, type Operand, TokenCursor } from "./token-cursor.ts";
import type { AttributePath, ExpressionInputs, TableItem, TableValue } from "./values.ts";
import { isObject, sameValue, valueAt } from "./values.ts";

export type Comparator = "=" | "<>" | "<" | "<=" | ">" | ">=";

export type Condition =
  | { readonly kind: "and" | "or"; readonly left: Condition; readonly right: Condition }
  | { readonly kind: "not"; readonly inner: Condition }
  | { readonly kind: "compare"; readonly op: Comparator; readonly left: Operand; readonly right: Operand }
  | { readonly kind: "between"; readonly operand: Operand; readonly low: Operand; readonly high: Operand }
  | { readonly kind: "in"; readonly operand: Operand; readonly options: readonly Operand[] }
  | { readonly kind: "exists" | "notExists"; readonly path: AttributePath }
  | { readonly kind: "beginsWith" | "contains"; readonly subject: Operand; readonly operand: Operand }
  | { readonly kind: "type"; readonly path: AttributePath; readonly type: Operand };

const MAX_IN_OPTIONS = 100;

export function parseCondition(expression: string, inputs: ExpressionInputs, kind = "condition"): Condition {
  const cursor = new TokenCursor(kind, expression, inputs);
  const condition = parseOr(cursor);
  cursor.end();
  return condition;
}

export function parseConditionWith(cursor: TokenCursor): Condition {
  return parseOr(cursor);
}

function parseOr(cursor: TokenCursor): Condition {
  let left = parseAnd(cursor);
  while (cursor.keyword("OR")) left = { kind: "or", left, right: parseAnd(cursor) };
  return left;
}

function parseAnd(cursor: TokenCursor): Condition {
  let left = parseNot(cursor);
  while (cursor.keyword("AND")) left = { kind: "and", left, right: parseNot(cursor) };
  return left;
}

function parseNot(cursor: TokenCursor): Condition {
  if (cursor.keyword("NOT")) return { kind: "not", inner: parseNot(cursor) };
  return parsePrimary(cursor);
}

function parsePrimary(cursor: TokenCursor): Condition {
  if (cursor.peek().kind === "(") {
    cursor.next();
    const inner = parseOr(cursor);
    cursor.expect(")", '")"');
    return inner;
  }
  const fn = parseFunction(cursor);
  if (fn) return fn;
  const operand = cursor.operand();
  const token = cursor.next();
  if (token.kind === "comparator")
    return { kind: "compare", op: token.text as Comparator, left: operand, right: cursor.operand() };
  if (token.kind === "identifier" && token.text.toUpperCase() === "BETWEEN") {
    const low = cursor.operand();
    if (!cursor.keyword("AND")) throw cursor.error('expected "AND" in BETWEEN');
    return { kind: "between", operand, low, high: cursor.operand() };
  }
  if (token.kind === "identifier" && token.text.toUpperCase() === "IN") {
    cursor.expect("(", '"("');
    const options = [cursor.operand()];
    while (cursor.peek().kind === ",") {
      cursor.next();
      options.push(cursor.operand());
    }
    cursor.expect(")", '")"');
    if (options.length > MAX_IN_OPTIONS)
      throw cursor.error(`IN takes at most ${MAX_IN_OPTIONS} values`, token);
    return { kind: "in", operand, options };
  }
  throw cursor.error(`expected a comparison, BETWEEN or IN but found ${describe(token)}`, token);
}

function parseFunction(cursor: TokenCursor): Condition | undefined {
  for (const name of [
    "attribute_exists",
    "attribute_not_exists",
    "begins_with",
    "contains",
    "attribute_type",
  ]) {
    if (!cursor.isFunctionCall(name)) continue;
    cursor.next();
    cursor.next();
    let condition: Condition;
    if (name === "attribute_exists" || name === "attribute_not_exists") {
      condition = { kind: name === "attribute_exists" ? "exists" : "notExists", path: cursor.path() };
    } else if (name === "attribute_type") {
      const path = cursor.path();
      cursor.expect(",", '","');
      condition = { kind: "type", path, type: cursor.operand() };
    } else {
      const subject = cursor.operand();
      cursor.expect(",", '","');
      condition = {
        kind: name === "begins_with" ? "beginsWith" : "contains",
        subject,
        operand: cursor.operand(),
      };
    }
    cursor.expect(")", '")"');
    return condition;
  }
  return undefined;
}

export function operandValue(item: TableItem, operand: Operand): TableValue | undefined {
  if (operand.kind === "value") return operand.value;
  const value = valueAt(item, operand.path);
  if (operand.kind === "path") return value;
  if (typeof value === "string") return value.length;
  if (Array.isArray(value)) return value.length;
  if (isObject(value)) return Object.keys(value).length;
  return undefined;
}

/** Only numbers with numbers and strings with strings are ordered; anything else is false. */
export function compareValues(
  op: Comparator,
  left: TableValue | undefined,
  right: TableValue | undefined,
): boolean {
  if (left === undefined || right === undefined) return false;
  if (op === "=") return sameValue(left, right);
  if (op === "<>") return !sameValue(left, right);
  const ordered =
    (typeof left === "number" && typeof right === "number") ||
    (typeof left === "string" && typeof right === "string");
  if (!ordered) return false;
  if (op === "<") return left < right;
  if (op === "<=") return left <= right;
  if (op === ">") return left > right;
  return left >= right;
}

/** The item is absent ({}) for a write that creates it: attribute_not_exists holds, comparisons fail. */
export function evaluateCondition(condition: Condition, item: TableItem): boolean {
  switch (condition.kind) {
    case "and":
      return evaluateCondition(condition.left, item) && evaluateCondition(condition.right, item);
    case "or":
      return evaluateCondition(condition.left, item) || evaluateCondition(condition.right, item);
    case "not":
      return !evaluateCondition(condition.inner, item);
    case "compare":
      return compareValues(
        condition.op,
        operandValue(item, condition.left),
        operandValue(item, condition.right),
      );
    case "between": {
      const value = operandValue(item, condition.operand);
      return (
        compareValues(">=", value, operandValue(item, condition.low)) &&
        compareValues("<=", value, operandValue(item, condition.high))
      );
    }
    case "in": {
      const value = operandValue(item, condition.operand);
      return condition.options.some((option) => compareValues("=", value, operandValue(item, option)));
    }
    case "exists":
      return valueAt(item, condition.path) !== undefined;
    case "notExists":
      return valueAt(item, condition.path) === undefined;
    case "beginsWith": {
      const subject = operandValue(item, condition.subject);
      const prefix = operandValue(item, condition.operand);
      return typeof subject === "string" && typeof prefix === "string" && subject.startsWith(prefix);
    }
    case "contains": {
      const subject = operandValue(item, condition.subject);
      const part = operandValue(item, condition.operand);
      if (part === undefined) return false;
      if (typeof subject === "string") return typeof part === "string" && subject.includes(part);
      return Array.isArray(subject) && subject.some((entry) => sameValue(entry, part));
    }
    case "type":
      return typeName(valueAt(item, condition.path)) === operandValue(item, condition.type);
  }
}

/** JSON type names for attribute_type: string, number, boolean, null, list, map. */
function typeName(value: TableValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === null) return "null";
  if (Array.isArray(value)) return "list";
  if (typeof value === "object") return "map";
  return typeof value;
}
