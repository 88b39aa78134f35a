// The shapes of policies and decisions. Close to IAM's model on purpose, so people who know
// AWS can read a Nimbus policy: statements allow or deny actions on resources, optionally
// under conditions; an explicit deny wins, and nothing allowed means denied.

export type Effect = "allow" | "deny";

/** A value of the request context: strings, numbers, booleans, or several strings (groups). */
export type ContextValue = string | number | boolean | readonly string[];

/** Keys such as "principal.userId" or "tables:partitionKey", as conditions and ${…} variables name them. */
export type RequestContext = Readonly<Record<string, ContextValue | undefined>>;

/** Operator → condition key → the allowed values (any of them may match). */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export interface PolicyStatement {
  /** A name for the statement, shown in decisions; its position is shown when absent. */
  readonly sid?: string | undefined;
  readonly effect: Effect;
  /** "service:Action" patterns; "*" and "?" are wildcards, matched without regard to case. */
  readonly actions: readonly string[];
  /** Resource patterns ("nrn:shop:table/orders", "nrn:shop:bucket/photos/*"); may hold ${…} variables. */
  readonly resources: readonly string[];
  readonly conditions?: ConditionBlock | undefined;
}

export interface Policy {
  /** Where the statements come from: "function/api", "accesskey/NAK…", "session". */
  readonly name: string;
  readonly statements: readonly PolicyStatement[];
}

export interface AccessRequest {
  readonly action: string;
  readonly resource: string;
  readonly context: RequestContext;
}

export interface MatchedStatement {
  readonly policy: string;
  /** 0-based position in the policy. */
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: Effect;
}

export type DecisionOutcome = "allowed" | "explicit-deny" | "implicit-deny";

export interface Decision {
  readonly allowed: boolean;
  readonly outcome: DecisionOutcome;
  /** The statement that decided: the deny that matched, or the first allow. None for an implicit deny. */
  readonly statement: MatchedStatement | undefined;
  /** One sentence for people: which statement decided, or that none matched. */
  readonly explanation: string;
}
