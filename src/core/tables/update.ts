// Update expressions: SET (with +/-, if_not_exists, list_append), REMOVE, ADD (number increment
// or adding to a list used as a set) and DELETE (removing from such a list). As in DynamoDB,
// every operand is read from the item as it was before the update, and two actions may not
// touch overlapping paths.
import { NimbusError } from "../errors.ts";
import { operandValue } from "./condition.ts";
import { describe, type Operand, TokenCursor } from "./token-cursor.ts";
import type { AttributePath, ExpressionInputs, TableItem, TableValue } from "./values.ts";
import { cloneItem, formatPath, isObject, sameValue, valueAt } from "./values.ts";

export type SetValue =
  | { readonly kind: "operand"; readonly operand: Operand }
  | { readonly kind: "ifNotExists"; readonly path: AttributePath; readonly fallback: SetValue }
  | { readonly kind: "listAppend"; readonly first: SetValue; readonly second: SetValue }
  | {
      readonly kind: "arithmetic";
      readonly op: "+" | "-";
      readonly left: SetValue;
      readonly right: SetValue;
    };

export type UpdateAction =
  | { readonly kind: "set"; readonly path: AttributePath; readonly value: SetValue }
  | { readonly kind: "remove"; readonly path: AttributePath }
  | { readonly kind: "add" | "delete"; readonly path: AttributePath; readonly value: TableValue };

const CLAUSES = ["SET", "REMOVE", "ADD", "DELETE"] as const;

export function parseUpdate(expression: string, inputs: ExpressionInputs): UpdateAction[] {
  const cursor = new TokenCursor("update", expression, inputs);
  const actions: UpdateAction[] = [];
  const seen = new Set<string>();
  while (cursor.peek().kind !== "end") {
    const token = cursor.peek();
    const clause = CLAUSES.find((name) => cursor.keyword(name));
    if (!clause)
      throw cursor.error(`expected SET, REMOVE, ADD or DELETE but found ${describe(token)}`, token);
    if (seen.has(clause))
      throw cursor.error(
        `${clause} appears twice; list its actions after one ${clause}, separated by commas`,
        token,
      );
    seen.add(clause);
    do actions.push(parseAction(cursor, clause));
    while (cursor.peek().kind === "," && cursor.next());
  }
  checkOverlaps(cursor, actions);
  return actions;
}

function parseAction(cursor: TokenCursor, clause: (typeof CLAUSES)[number]): UpdateAction {
  const path = cursor.path();
  if (clause === "REMOVE") return { kind: "remove", path };
  if (clause === "SET") {
    const equals = cursor.next();
    if (equals.kind !== "comparator" || equals.text !== "=")
      throw cursor.error(`expected "=" but found ${describe(equals)}`, equals);
    return { kind: "set", path, value: parseSetValue(cursor) };
  }
  const token = cursor.expect("valueRef", "a :value");
  return { kind: clause === "ADD" ? "add" : "delete", path, value: cursor.value(token) };
}

function parseSetValue(cursor: TokenCursor): SetValue {
  const left = parseSetOperand(cursor);
  const token = cursor.peek();
  if (token.kind !== "arithmetic") return left;
  cursor.next();
  return { kind: "arithmetic", op: token.text as "+" | "-", left, right: parseSetOperand(cursor) };
}

function parseSetOperand(cursor: TokenCursor): SetValue {
  if (cursor.isFunctionCall("if_not_exists")) {
    cursor.next();
    cursor.next();
    const path = cursor.path();
    cursor.expect(",", '","');
    const fallback = parseSetOperand(cursor);
    cursor.expect(")", '")"');
    return { kind: "ifNotExists", path, fallback };
  }
  if (cursor.isFunctionCall("list_append")) {
    cursor.next();
    cursor.next();
    const first = parseSetOperand(cursor);
    cursor.expect(",", '","');
    const second = parseSetOperand(cursor);
    cursor.expect(")", '")"');
    return { kind: "listAppend", first, second };
  }
  return { kind: "operand", operand: cursor.operand() };
}

function checkOverlaps(cursor: TokenCursor, actions: readonly UpdateAction[]): void {
  for (const [index, action] of actions.entries()) {
    for (const other of actions.slice(index + 1)) {
      const shorter = Math.min(action.path.length, other.path.length);
      if (action.path.slice(0, shorter).every((segment, at) => segment === other.path[at]))
        throw cursor.error(
          `two actions change overlapping paths ${formatPath(action.path)} and ${formatPath(other.path)}`,
          cursor.peek(),
        );
    }
  }
}

function invalid(problem: string): NimbusError {
  return new NimbusError("TABLE_EXPRESSION_INVALID", `update expression: ${problem}`);
}

function resolve(value: SetValue, item: TableItem): TableValue {
  switch (value.kind) {
    case "operand": {
      const resolved = operandValue(item, value.operand);
      if (resolved === undefined) throw invalid("an operand names an attribute the item does not have");
      return resolved;
    }
    case "ifNotExists":
      return valueAt(item, value.path) ?? resolve(value.fallback, item);
    case "listAppend": {
      const first = resolve(value.first, item);
      const second = resolve(value.second, item);
      if (!Array.isArray(first) || !Array.isArray(second)) throw invalid("list_append takes two lists");
      return [...first, ...second];
    }
    case "arithmetic": {
      const left = resolve(value.left, item);
      const right = resolve(value.right, item);
      if (typeof left !== "number" || typeof right !== "number")
        throw invalid(`"${value.op}" takes two numbers`);
      const result = value.op === "+" ? left + right : left - right;
      if (!Number.isFinite(result)) throw invalid("the arithmetic result is not a finite number");
      return result;
    }
  }
}

/** The updated copy of `item` ({} for an item that does not exist yet); `item` is not changed. */
export function applyUpdate(actions: readonly UpdateAction[], item: TableItem): TableItem {
  const values = actions.map((action) => (action.kind === "set" ? resolve(action.value, item) : undefined));
  const next = cloneItem(item);
  // Removals run last and from the highest list index down, so `REMOVE a[0], a[2]` removes
  // the elements those indexes named before the update.
  const order = actions
    .map((action, index) => ({ action, index }))
    .sort((one, two) => removalRank(one.action) - removalRank(two.action));
  for (const { action, index } of order) {
    if (action.kind === "set") writeAt(next, action.path, values[index] as TableValue);
    else if (action.kind === "remove") removeAt(next, action.path);
    else if (action.kind === "add")
      writeAt(next, action.path, added(valueAt(item, action.path), action.value, action.path));
    else {
      const current = valueAt(item, action.path);
      if (current === undefined) continue;
      if (!Array.isArray(current) || !Array.isArray(action.value))
        throw invalid(`DELETE ${formatPath(action.path)} takes a list and removes its elements`);
      const removed = action.value;
      writeAt(
        next,
        action.path,
        current.filter((entry) => !removed.some((gone) => sameValue(gone, entry))),
      );
    }
  }
  return next;
}

function removalRank(action: UpdateAction): number {
  if (action.kind !== "remove") return Number.NEGATIVE_INFINITY;
  const last = action.path[action.path.length - 1];
  return typeof last === "number" ? -last : 0;
}

function added(current: TableValue | undefined, value: TableValue, path: AttributePath): TableValue {
  if (typeof value === "number" && (current === undefined || typeof current === "number")) {
    const sum = (current ?? 0) + value;
    if (!Number.isFinite(sum)) throw invalid("the sum is not a finite number");
    return sum;
  }
  if (Array.isArray(value) && (current === undefined || Array.isArray(current))) {
    const result = [...(current ?? [])];
    for (const entry of value) if (!result.some((existing) => sameValue(existing, entry))) result.push(entry);
    return result;
  }
  throw invalid(
    `ADD ${formatPath(path)} takes a number (to add) or a list (elements to add), matching the stored value`,
  );
}

function parentOf(item: TableItem, path: AttributePath): TableValue | undefined {
  return valueAt(item, path.slice(0, -1));
}

function writeAt(item: TableItem, path: AttributePath, value: TableValue): void {
  const parent = parentOf(item, path);
  const last = path[path.length - 1] as string | number;
  if (typeof last === "number") {
    if (!Array.isArray(parent)) throw invalid(`${formatPath(path)} is not inside a list`);
    if (last >= parent.length) parent.push(value);
    else parent[last] = value;
  } else {
    if (!isObject(parent))
      throw invalid(`the path ${formatPath(path)} does not exist in the item (set its parent first)`);
    parent[last] = value;
  }
}

function removeAt(item: TableItem, path: AttributePath): void {
  const parent = parentOf(item, path);
  const last = path[path.length - 1] as string | number;
  if (typeof last === "number") {
    if (Array.isArray(parent) && last < parent.length) parent.splice(last, 1);
  } else if (isObject(parent)) delete parent[last];
}
