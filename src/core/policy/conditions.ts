// Condition operators, with IAM's meaning. Within a statement's conditions every operator must
// hold, and within an operator every key; a key holds when the context value matches any of
// the listed values. A context key with several values (groups) holds when any of them
// matches. A missing key fails the positive operators and satisfies the negated ones, as in
// IAM; `Null: { key: "true" }` tests for absence. Policy values may hold ${…} variables.
import { matchesPattern, resolveVariables } from "./pattern.ts";
import type { ConditionBlock, ContextValue, RequestContext } from "./types.ts";

type Test = (contextValue: string, policyValue: string) => boolean;

interface OperatorSpec {
  /** True for the "Not" operators: they hold when no value matches. */
  readonly negated: boolean;
  readonly test: Test;
}

function numeric(compare: (left: number, right: number) => boolean): Test {
  return (contextValue, policyValue) => {
    const left = Number(contextValue);
    const right = Number(policyValue);
    return (
      contextValue.trim() !== "" && Number.isFinite(left) && Number.isFinite(right) && compare(left, right)
    );
  };
}

function date(compare: (left: number, right: number) => boolean): Test {
  return (contextValue, policyValue) => {
    const left = toEpochMs(contextValue);
    const right = toEpochMs(policyValue);
    return left !== undefined && right !== undefined && compare(left, right);
  };
}

/** ISO dates, or epoch seconds as IAM accepts them. */
function toEpochMs(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? undefined : parsed;
}

const equals: Test = (contextValue, policyValue) => contextValue === policyValue;
const equalsIgnoreCase: Test = (contextValue, policyValue) =>
  contextValue.toLowerCase() === policyValue.toLowerCase();
const like: Test = (contextValue, policyValue) => matchesPattern(policyValue, contextValue, {});

export const CONDITION_OPERATORS = {
  StringEquals: { negated: false, test: equals },
  StringNotEquals: { negated: true, test: equals },
  StringEqualsIgnoreCase: { negated: false, test: equalsIgnoreCase },
  StringNotEqualsIgnoreCase: { negated: true, test: equalsIgnoreCase },
  StringLike: { negated: false, test: like },
  StringNotLike: { negated: true, test: like },
  NumericEquals: { negated: false, test: numeric((a, b) => a === b) },
  NumericNotEquals: { negated: true, test: numeric((a, b) => a === b) },
  NumericLessThan: { negated: false, test: numeric((a, b) => a < b) },
  NumericLessThanEquals: { negated: false, test: numeric((a, b) => a <= b) },
  NumericGreaterThan: { negated: false, test: numeric((a, b) => a > b) },
  NumericGreaterThanEquals: { negated: false, test: numeric((a, b) => a >= b) },
  DateLessThan: { negated: false, test: date((a, b) => a < b) },
  DateGreaterThan: { negated: false, test: date((a, b) => a > b) },
  Bool: { negated: false, test: (contextValue, policyValue) => contextValue === policyValue.toLowerCase() },
} as const satisfies Record<string, OperatorSpec>;

export type ConditionOperator = keyof typeof CONDITION_OPERATORS | "Null";

export const CONDITION_OPERATOR_NAMES: readonly ConditionOperator[] = [
  ...(Object.keys(CONDITION_OPERATORS) as (keyof typeof CONDITION_OPERATORS)[]),
  "Null",
];

function valuesOf(value: ContextValue | undefined): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value as readonly string[];
  return [String(value)];
}

function keyHolds(
  operator: ConditionOperator,
  key: string,
  policyValues: readonly string[],
  context: RequestContext,
): boolean {
  const contextValues = valuesOf(context[key]);
  if (operator === "Null") {
    const absent = contextValues === undefined;
    return policyValues.some((value) => (value.toLowerCase() === "true") === absent);
  }
  const spec: OperatorSpec = CONDITION_OPERATORS[operator];
  if (contextValues === undefined) return spec.negated;
  const resolved = policyValues.flatMap((value) => resolveVariables(value, context) ?? []);
  const anyMatch = contextValues.some((contextValue) =>
    resolved.some((policyValue) => spec.test(contextValue, policyValue)),
  );
  return spec.negated ? !anyMatch : anyMatch;
}

/** True when every operator and key of the block holds for the context. */
export function conditionsHold(block: ConditionBlock | undefined, context: RequestContext): boolean {
  if (block === undefined) return true;
  for (const [operator, keys] of Object.entries(block)) {
    for (const [key, values] of Object.entries(keys)) {
      if (!keyHolds(operator as ConditionOperator, key, values, context)) return false;
    }
  }
  return true;
}
