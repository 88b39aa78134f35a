// The one authorization point. Every operation of every service, whatever the entry (the
// HTTP API, the SDK, route authorizers, the CLI through the admin API), asks here:
// authorize(principal, action, resource, context). The principal's policies are gathered
// (the admin is allowed everything; an API key nothing), the request context gets the
// principal's keys, and core/policy decides: explicit deny wins, no statement means deny.
import { NimbusError } from "../core/errors.ts";
import {
  type Decision,
  evaluateIntersection,
  evaluatePolicies,
  type Policy,
  type RequestContext,
} from "../core/policy/index.ts";
import {
  type BasePrincipal,
  type Principal,
  principalContext,
  principalName,
  type UserPrincipal,
} from "./principal.ts";

/** What authorize needs to find policies that live outside a principal's credentials. */
export interface PolicyResolver {
  /** The app's user pool role (and the roles of the user's groups); none when disabled or gone. */
  userPolicies(principal: UserPrincipal): Promise<readonly Policy[]>;
  /** The access key's current policy; none when it was revoked since. */
  accessKeyPolicies(accessKeyId: string): Promise<readonly Policy[]>;
}

const ADMIN_DECISION: Decision = Object.freeze({
  allowed: true,
  outcome: "allowed",
  statement: undefined,
  explanation: "allowed: the admin key may do everything",
});

export class Authorizer {
  readonly #resolver: PolicyResolver;

  constructor(resolver: PolicyResolver) {
    this.#resolver = resolver;
  }

  async authorize(
    principal: Principal,
    action: string,
    resource: string,
    context: RequestContext = {},
  ): Promise<Decision> {
    if (principal.kind === "admin") return ADMIN_DECISION;
    // The principal's own keys win: a caller cannot pass principal.userId in the context.
    const request = {
      action,
      resource,
      context: { "request.time": new Date().toISOString(), ...context, ...principalContext(principal) },
    };
    if (principal.kind !== "temporary")
      return evaluatePolicies(await this.#policiesOf(principal, false), request);
    if (principal.expiresAt <= Date.now()) {
      return {
        allowed: false,
        outcome: "implicit-deny",
        statement: undefined,
        explanation: "denied: the temporary credentials expired",
      };
    }
    const parent = await this.#policiesOf(principal.parent, true);
    return evaluateIntersection([parent, ...principal.sessionPolicies.map((policy) => [policy])], request);
  }

  /** Throws ACCESS_DENIED (naming the principal, action, resource and deciding statement) unless allowed. */
  async assertAllowed(
    principal: Principal,
    action: string,
    resource: string,
    context: RequestContext = {},
  ): Promise<Decision> {
    const decision = await this.authorize(principal, action, resource, context);
    if (!decision.allowed) throw accessDenied(principal, action, resource, decision);
    return decision;
  }

  /** Every policy set that must allow for the principal (one set, or more for temporary credentials). */
  async policiesOf(principal: Principal): Promise<ReadonlyArray<readonly Policy[]>> {
    if (principal.kind !== "temporary") return [await this.#policiesOf(principal, false)];
    return [
      await this.#policiesOf(principal.parent, true),
      ...principal.sessionPolicies.map((policy) => [policy]),
    ];
  }

  async #policiesOf(principal: BasePrincipal, asParent: boolean): Promise<readonly Policy[]> {
    switch (principal.kind) {
      case "admin":
        // Temporary credentials of the admin are scoped by their session policy alone.
        return [{ name: "admin", statements: [{ effect: "allow", actions: ["*"], resources: ["*"] }] }];
      case "access-key":
        // As a parent, the key may have been revoked since the credentials were made.
        return asParent ? this.#resolver.accessKeyPolicies(principal.accessKeyId) : [principal.policy];
      case "function":
        return [principal.policy];
      case "user":
        return this.#resolver.userPolicies(principal);
      case "api-key":
        return [];
    }
  }
}

export function accessDenied(
  principal: Principal,
  action: string,
  resource: string,
  decision: Decision,
): NimbusError {
  return new NimbusError(
    "ACCESS_DENIED",
    `${principalName(principal)} is not allowed ${action} on ${resource}: ${decision.explanation}`,
    {
      details: {
        principal: principalName(principal),
        action,
        resource,
        outcome: decision.outcome,
        statement: decision.statement,
      },
    },
  );
}
