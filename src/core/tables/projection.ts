// Projection expressions: a comma-separated list of paths; only those parts of an item are returned.
import { TokenCursor } from "./token-cursor.ts";
import type { AttributePath, ExpressionInputs, TableItem, TableValue } from "./values.ts";
import { isObject, valueAt } from "./values.ts";

export function parseProjection(expression: string, inputs: ExpressionInputs): AttributePath[] {
  const cursor = new TokenCursor("projection", expression, inputs);
  const paths = [cursor.path()];
  while (cursor.peek().kind === ",") {
    cursor.next();
    paths.push(cursor.path());
  }
  cursor.end();
  return paths;
}

export function project(item: TableItem, paths: readonly AttributePath[]): TableItem {
  const result: TableItem = {};
  for (const path of paths) {
    const value = valueAt(item, path);
    if (value === undefined) continue;
    // Nested paths keep their shape; list indexes are collected as lists in index order.
    let target: TableValue = result;
    for (const [index, segment] of path.entries()) {
      const last = index === path.length - 1;
      const nextIsIndex = typeof path[index + 1] === "number";
      if (Array.isArray(target)) {
        const list: TableValue[] = target;
        if (last) list.push(value);
        else {
          const fresh: TableValue = nextIsIndex ? [] : {};
          list.push(fresh);
          target = fresh;
        }
      } else if (isObject(target) && typeof segment === "string") {
        const map: { [name: string]: TableValue } = target;
        if (last) map[segment] = value;
        else {
          map[segment] ??= nextIsIndex ? [] : {};
          target = map[segment] as TableValue;
        }
      }
    }
  }
  return result;
}
