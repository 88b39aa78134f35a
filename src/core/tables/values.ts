// The values a table item holds: JSON documents (no DynamoDB type descriptors), so an item is
// what a function already has in hand. Paths address a nested attribute (`a.b[2].c`).

export type TableValue = null | boolean | number | string | TableValue[] | { [name: string]: TableValue };
export type TableItem = { [name: string]: TableValue };
export type PathSegment = string | number;
export type AttributePath = readonly PathSegment[];

/** The `#name` and `:value` substitutions an expression may use (DynamoDB's ExpressionAttribute*). */
export interface ExpressionInputs {
  readonly names?: Readonly<Record<string, string>>;
  readonly values?: Readonly<Record<string, TableValue>>;
}

export function isObject(value: TableValue | undefined): value is { [name: string]: TableValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at a path, or undefined when any step is missing or of the wrong kind. */
export function valueAt(item: TableItem, path: AttributePath): TableValue | undefined {
  let current: TableValue | undefined = item;
  for (const segment of path) {
    if (typeof segment === "number") {
      if (!Array.isArray(current)) return undefined;
      current = current[segment];
    } else {
      if (!isObject(current) || !Object.hasOwn(current, segment)) return undefined;
      current = current[segment];
    }
  }
  return current;
}

export function sameValue(left: TableValue, right: TableValue): boolean {
  if (left === right) return true;
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) return false;
    return left.every((entry, index) => sameValue(entry, right[index] as TableValue));
  }
  if (isObject(left) && isObject(right)) {
    const names = Object.keys(left);
    if (names.length !== Object.keys(right).length) return false;
    return names.every(
      (name) => Object.hasOwn(right, name) && sameValue(left[name] as TableValue, right[name] as TableValue),
    );
  }
  return false;
}

export function formatPath(path: AttributePath): string {
  return path
    .map((segment, index) => (typeof segment === "number" ? `[${segment}]` : index ? `.${segment}` : segment))
    .join("");
}

/** A deep copy, so applying an update never changes the item the caller read. */
export function cloneItem(item: TableItem): TableItem {
  return structuredClone(item);
}
