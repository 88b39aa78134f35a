// EventBridge-style event patterns, used as subscription filters. A pattern is an object whose
// keys name event fields (CloudEvents attributes at the top, `data` for the payload, nested as
// deep as needed) and whose leaves are arrays of matchers; an event matches when every key of
// the pattern matches (AND) and, per key, any matcher of its array matches (OR):
//
//   { type: ["order.created"], data: { total: [{ numeric: [">", 100] }], coupon: [{ exists: false }] } }
//
// Matchers: a string, number, boolean or null (exact), { prefix: "x" }, { "anything-but": v | [v…] |
// { prefix } }, { numeric: [op, n, (op, n)] } with op in = < <= > >=, { exists: true | false }.
// An array field of the event matches when any of its elements does, as in EventBridge.

export type EventPattern = { readonly [key: string]: EventPattern | readonly Matcher[] };
type Scalar = string | number | boolean | null;
type Matcher =
  | Scalar
  | { readonly prefix: string }
  | { readonly "anything-but": Scalar | readonly Scalar[] | { readonly prefix: string } }
  | { readonly numeric: readonly (string | number)[] }
  | { readonly exists: boolean };

const NUMERIC_OPERATORS = new Set(["=", "<", "<=", ">", ">="]);

function isScalar(value: unknown): value is Scalar {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function matcherProblem(matcher: unknown, path: string): string | undefined {
  if (isScalar(matcher)) return undefined;
  if (typeof matcher !== "object" || Array.isArray(matcher))
    return `${path}: a matcher is a value or an object`;
  const entries = Object.entries(matcher as object);
  if (entries.length !== 1) return `${path}: a matcher object has exactly one key`;
  const [name, operand] = entries[0] as [string, unknown];
  switch (name) {
    case "prefix":
      return typeof operand === "string" ? undefined : `${path}: prefix takes a string`;
    case "exists":
      return typeof operand === "boolean" ? undefined : `${path}: exists takes true or false`;
    case "anything-but": {
      if (isScalar(operand)) return undefined;
      if (Array.isArray(operand))
        return operand.every(isScalar) ? undefined : `${path}: anything-but takes values`;
      const prefix = (operand as { prefix?: unknown } | null)?.prefix;
      return typeof prefix === "string" && Object.keys(operand as object).length === 1
        ? undefined
        : `${path}: anything-but takes a value, a list of values or { prefix }`;
    }
    case "numeric": {
      const ok =
        Array.isArray(operand) &&
        (operand.length === 2 || operand.length === 4) &&
        operand.every((item, index) =>
          index % 2 === 0
            ? NUMERIC_OPERATORS.has(item as string)
            : typeof item === "number" && Number.isFinite(item),
        );
      return ok
        ? undefined
        : `${path}: numeric takes [op, number] or [op, number, op, number] with op in = < <= > >=`;
    }
    default:
      return `${path}: unknown matcher "${name}" (prefix, anything-but, numeric, exists, or a value)`;
  }
}

/** Every problem of a pattern; empty when it is valid. */
export function eventPatternProblems(pattern: unknown, path = "filter"): string[] {
  if (typeof pattern !== "object" || pattern === null || Array.isArray(pattern)) {
    return [`${path}: a pattern is an object of field names`];
  }
  const problems: string[] = [];
  const entries = Object.entries(pattern);
  if (entries.length === 0) problems.push(`${path}: a pattern needs at least one field`);
  for (const [key, value] of entries) {
    const at = `${path}.${key}`;
    if (Array.isArray(value)) {
      if (value.length === 0) problems.push(`${at}: list at least one matcher`);
      for (const [index, matcher] of value.entries()) {
        const problem = matcherProblem(matcher, `${at}[${index}]`);
        if (problem) problems.push(problem);
      }
    } else problems.push(...eventPatternProblems(value, at));
  }
  return problems;
}

function numericMatches(operand: readonly (string | number)[], value: unknown): boolean {
  if (typeof value !== "number") return false;
  for (let index = 0; index < operand.length; index += 2) {
    const limit = operand[index + 1] as number;
    const ok = {
      "=": value === limit,
      "<": value < limit,
      "<=": value <= limit,
      ">": value > limit,
      ">=": value >= limit,
    }[operand[index] as "=" | "<" | "<=" | ">" | ">="];
    if (!ok) return false;
  }
  return true;
}

function matchesOne(matcher: Matcher, value: unknown, present: boolean): boolean {
  if (isScalar(matcher)) return present && value === matcher;
  if ("exists" in matcher) return matcher.exists === present;
  if (!present) return false;
  if ("prefix" in matcher) return typeof value === "string" && value.startsWith(matcher.prefix);
  if ("numeric" in matcher) return numericMatches(matcher.numeric, value);
  const excluded = matcher["anything-but"];
  if (Array.isArray(excluded)) return !excluded.includes(value as Scalar);
  if (isScalar(excluded)) return value !== excluded;
  return typeof value === "string" && !value.startsWith((excluded as { prefix: string }).prefix);
}

function matchesField(matchers: readonly Matcher[], value: unknown, present: boolean): boolean {
  // An array in the event matches when any element does ({ exists } looks at the field itself).
  if (present && Array.isArray(value)) {
    return matchers.some((matcher) =>
      typeof matcher === "object" && matcher !== null && "exists" in matcher
        ? matchesOne(matcher, value, true)
        : value.some((element) => matchesOne(matcher, element, true)),
    );
  }
  return matchers.some((matcher) => matchesOne(matcher, value, present));
}

/** True when `event` (a plain JSON object, e.g. a CloudEvent) matches `pattern`. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    const holder =
      typeof event === "object" && event !== null && !Array.isArray(event)
        ? (event as Record<string, unknown>)
        : {};
    const present = Object.hasOwn(holder, key) && holder[key] !== undefined;
    const value = holder[key];
    if (Array.isArray(expected)) {
      if (!matchesField(expected as readonly Matcher[], value, present)) return false;
    } else if (!matchesPattern(expected as EventPattern, value)) return false;
  }
  return true;
}
