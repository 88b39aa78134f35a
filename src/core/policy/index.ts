// Policy evaluation, pure (see src/identity/ARCHITECTURE.md for how it is used).
export {
  ACTIONS,
  type ActionSpec,
  ALL_ACTIONS,
  actionPatternProblem,
  actionSpec,
  isKnownAction,
} from "./actions.ts";
export { CONDITION_OPERATOR_NAMES, type ConditionOperator, conditionsHold } from "./conditions.ts";
export { evaluateIntersection, evaluatePolicies, statementLabel } from "./evaluate.ts";
export { matchesPattern } from "./pattern.ts";
export { appOfResource, appResource, NRN_PREFIX, platformResource, qualifyResource } from "./resources.ts";
export {
  absolutePolicySchema,
  absoluteStatementSchema,
  manifestPermissionsSchema,
  manifestStatementSchema,
  normalizeManifestStatements,
  normalizePolicyDocument,
  type PolicyDocument,
  type StatementDocument,
} from "./schema.ts";
export type {
  AccessRequest,
  ConditionBlock,
  ContextValue,
  Decision,
  DecisionOutcome,
  Effect,
  MatchedStatement,
  Policy,
  PolicyStatement,
  RequestContext,
} from "./types.ts";
