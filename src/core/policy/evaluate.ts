// The policy decision, pure: given the policies of a principal and one request, allowed or
// not and which statement decided. IAM's order: any matching deny wins; otherwise the first
// matching allow allows; otherwise nothing matched and the request is denied.
import { conditionsHold } from "./conditions.ts";
import { matchesPattern } from "./pattern.ts";
import type { AccessRequest, Decision, MatchedStatement, Policy, PolicyStatement } from "./types.ts";

function statementApplies(statement: PolicyStatement, request: AccessRequest): boolean {
  const actionMatches = statement.actions.some((pattern) =>
    matchesPattern(pattern, request.action, request.context, { ignoreCase: true }),
  );
  if (!actionMatches) return false;
  const resourceMatches = statement.resources.some((pattern) =>
    matchesPattern(pattern, request.resource, request.context, { ignoreCase: false }),
  );
  return resourceMatches && conditionsHold(statement.conditions, request.context);
}

/** "function/api#ReadOrders", or "function/api#2" for the second statement without a sid. */
export function statementLabel(statement: MatchedStatement): string {
  return `${statement.policy}#${statement.sid ?? statement.index + 1}`;
}

export function evaluatePolicies(policies: readonly Policy[], request: AccessRequest): Decision {
  let firstAllow: MatchedStatement | undefined;
  for (const policy of policies) {
    for (const [index, statement] of policy.statements.entries()) {
      if (!statementApplies(statement, request)) continue;
      const matched: MatchedStatement = {
        policy: policy.name,
        index,
        sid: statement.sid,
        effect: statement.effect,
      };
      if (statement.effect === "deny") {
        return {
          allowed: false,
          outcome: "explicit-deny",
          statement: matched,
          explanation: `denied by statement ${statementLabel(matched)}`,
        };
      }
      firstAllow ??= matched;
    }
  }
  if (firstAllow) {
    return {
      allowed: true,
      outcome: "allowed",
      statement: firstAllow,
      explanation: `allowed by statement ${statementLabel(firstAllow)}`,
    };
  }
  return {
    allowed: false,
    outcome: "implicit-deny",
    statement: undefined,
    explanation:
      policies.length === 0
        ? "denied: the principal has no policy (nothing is allowed by default)"
        : `denied: no statement of ${policies.map((policy) => policy.name).join(", ")} allows it`,
  };
}

/**
 * Several policy sets that must all allow (a principal's own policies and the session
 * policies of temporary credentials scoped down from them): the first set that does not
 * allow decides; when all allow, the first set's allowing statement is named.
 */
export function evaluateIntersection(sets: readonly (readonly Policy[])[], request: AccessRequest): Decision {
  let first: Decision | undefined;
  let refusal: Decision | undefined;
  for (const policies of sets) {
    const decision = evaluatePolicies(policies, request);
    if (decision.outcome === "explicit-deny") return decision;
    if (!decision.allowed) refusal ??= decision;
    first ??= decision;
  }
  return refusal ?? first ?? evaluatePolicies([], request);
}
