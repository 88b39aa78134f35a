// Policy documents as people write them (in nimbus.yaml, in an access key's policy, in a
// request for temporary credentials), validated with zod, and their normalised form.
// `actions`/`resources` take one string or a list, as IAM's Action/Resource do.
import { z } from "zod";
import { actionPatternProblem } from "./actions.ts";
import { CONDITION_OPERATOR_NAMES, type ConditionOperator } from "./conditions.ts";
import { NRN_PREFIX, qualifyResource, relativeResourceProblem } from "./resources.ts";
import type { ConditionBlock, Policy, PolicyStatement } from "./types.ts";

const MAX_STATEMENTS = 100;
const MAX_PATTERNS = 100;

const oneOrMany = (item: z.ZodString) => z.union([item, z.array(item).min(1).max(MAX_PATTERNS)]);

const actionPattern = z.string().superRefine((pattern, ctx) => {
  const problem = actionPatternProblem(pattern);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const relativeResource = z.string().superRefine((pattern, ctx) => {
  const problem = relativeResourceProblem(pattern);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const absoluteResource = z.string().superRefine((pattern, ctx) => {
  if (pattern !== "*" && !pattern.startsWith(NRN_PREFIX)) {
    ctx.addIssue({
      code: "custom",
      message: `"${pattern}" is not a resource name; expected "*" or "nrn:<app>:<type>/<name>" such as "nrn:shop:secret/db-password"`,
    });
  }
});

const conditionValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string(), z.number(), z.boolean()])),
]);

const conditions = z
  .partialRecord(
    z.enum(CONDITION_OPERATOR_NAMES as [ConditionOperator, ...ConditionOperator[]]),
    z.record(z.string().min(1), conditionValue),
  )
  .describe(
    'Operator → context key → value(s), e.g. { StringEquals: { "tables:partitionKey": "${principal.userId}" } }',
  );

function statementSchema(resource: z.ZodString) {
  return z.strictObject({
    sid: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "a sid is 1 to 64 letters, digits, _ or -")
      .optional()
      .describe("A name for the statement, shown in decisions."),
    effect: z.enum(["allow", "deny"]).optional().describe('"allow" (default) or "deny"; a deny always wins.'),
    actions: oneOrMany(actionPattern).describe('"service:Action" patterns: "secrets:GetSecret", "tables:*".'),
    resources: oneOrMany(resource).describe(
      "Resource patterns; * and ? are wildcards, ${principal.userId} a variable.",
    ),
    conditions: conditions.optional(),
  });
}

/** A statement in nimbus.yaml: resources relative to the app. */
export const manifestStatementSchema = statementSchema(relativeResource);
export const manifestPermissionsSchema = z.array(manifestStatementSchema).max(MAX_STATEMENTS);

/** A statement of an access key's policy or a session policy: absolute resource names. */
export const absoluteStatementSchema = statementSchema(absoluteResource);
export const absolutePolicySchema = z.strictObject({
  statements: z.array(absoluteStatementSchema).max(MAX_STATEMENTS),
});

export type StatementDocument = z.infer<typeof manifestStatementSchema>;
export type PolicyDocument = z.infer<typeof absolutePolicySchema>;

function list(value: string | readonly string[]): readonly string[] {
  return typeof value === "string" ? [value] : value;
}

function normalizeConditions(document: StatementDocument["conditions"]): ConditionBlock | undefined {
  if (document === undefined) return undefined;
  const block: Record<string, Record<string, readonly string[]>> = {};
  for (const [operator, keys] of Object.entries(document)) {
    if (keys === undefined) continue;
    const normalized: Record<string, readonly string[]> = {};
    for (const [key, value] of Object.entries(keys)) {
      normalized[key] = (Array.isArray(value) ? value : [value]).map(String);
    }
    block[operator] = normalized;
  }
  return block;
}

function normalizeStatement(
  document: StatementDocument,
  qualify: (pattern: string) => string,
): PolicyStatement {
  return {
    ...(document.sid === undefined ? {} : { sid: document.sid }),
    effect: document.effect ?? "allow",
    actions: [...list(document.actions)],
    resources: list(document.resources).map(qualify),
    ...(document.conditions === undefined ? {} : { conditions: normalizeConditions(document.conditions) }),
  };
}

/** Statements from nimbus.yaml, made absolute within `app`. */
export function normalizeManifestStatements(
  app: string,
  documents: readonly StatementDocument[],
): PolicyStatement[] {
  return documents.map((document) =>
    normalizeStatement(document, (pattern) => qualifyResource(app, pattern)),
  );
}

/** An access key's policy or a session policy (already absolute). */
export function normalizePolicyDocument(name: string, document: PolicyDocument): Policy {
  return {
    name,
    statements: document.statements.map((statement) => normalizeStatement(statement, (p) => p)),
  };
}
