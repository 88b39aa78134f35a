// Who may call a route (`http: { route, auth }` in nimbus.yaml), as API Gateway's authorizers:
//   none (default) | iam | jwt | apiKey | { jwt: {…} } | { function: {…} }
// and the app's usage plans, which limit API keys. Schema as written, normalised config,
// and the checks that need the whole document (a jwt route needs an issuer, an authorizer
// function must exist).
import { z } from "zod";
import { parseDuration } from "../durations.ts";
import { durationField } from "./duration-schema.ts";

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(50)]);

const jwtAuth = z.strictObject({
  issuer: z
    .url()
    .optional()
    .describe("The `iss` tokens must have; default: the app's user pool (which must then be declared)."),
  audience: stringOrList
    .optional()
    .describe("Accepted `aud` values (any one); default: the user pool's audience."),
  jwksUri: z
    .url()
    .optional()
    .describe("Where the issuer's keys are; default: <issuer>/.well-known/jwks.json."),
  scopes: z
    .array(z.string().min(1))
    .max(50)
    .optional()
    .describe("The token must carry at least one of these scopes."),
  groups: z
    .array(z.string().min(1))
    .max(50)
    .optional()
    .describe("The user must be in at least one of these groups."),
});

const functionAuth = z.strictObject({
  name: z
    .string()
    .min(1)
    .describe("A function of the app answering { isAuthorized, context } (API Gateway's simple response)."),
  cacheTtl: durationField(
    "how long a decision is reused for the same identity (default 5m; 0s: never)",
  ).optional(),
  identitySource: stringOrList
    .optional()
    .describe(
      'Request headers that identify the caller (default: "authorization"); a request without them gets 401.',
    ),
});

export const routeAuthSchema = z
  .union([
    z.enum(["none", "iam", "jwt", "apiKey"]),
    z.strictObject({ jwt: jwtAuth }),
    z.strictObject({ function: functionAuth }),
  ])
  .describe(
    "Who may call the route: none, iam (Nimbus credentials with http:Invoke), jwt, apiKey, or a function.",
  );

export type RouteAuthDocument = z.infer<typeof routeAuthSchema>;

export type RouteAuth =
  | { readonly type: "none" }
  | { readonly type: "iam" }
  | { readonly type: "apiKey" }
  | {
      readonly type: "jwt";
      /** Undefined: the app's user pool. */
      readonly issuer: string | undefined;
      /** Undefined: the user pool's audience. */
      readonly audience: readonly string[] | undefined;
      readonly jwksUri: string | undefined;
      readonly scopes: readonly string[];
      readonly groups: readonly string[];
    }
  | {
      readonly type: "function";
      readonly functionName: string;
      readonly cacheTtlMs: number;
      /** Lower-cased header names. */
      readonly identitySource: readonly string[];
    };

function list(value: string | readonly string[] | undefined): string[] | undefined {
  return value === undefined ? undefined : typeof value === "string" ? [value] : [...value];
}

export function normalizeRouteAuth(doc: RouteAuthDocument | undefined): RouteAuth | undefined {
  if (doc === undefined || doc === "none") return undefined;
  if (doc === "iam" || doc === "apiKey") return { type: doc };
  if (doc === "jwt")
    return {
      type: "jwt",
      issuer: undefined,
      audience: undefined,
      jwksUri: undefined,
      scopes: [],
      groups: [],
    };
  if ("jwt" in doc) {
    return {
      type: "jwt",
      issuer: doc.jwt.issuer,
      audience: list(doc.jwt.audience),
      jwksUri: doc.jwt.jwksUri,
      scopes: doc.jwt.scopes ?? [],
      groups: doc.jwt.groups ?? [],
    };
  }
  return {
    type: "function",
    functionName: doc.function.name,
    cacheTtlMs:
      doc.function.cacheTtl === undefined ? 5 * 60_000 : (parseDuration(doc.function.cacheTtl) as number),
    identitySource: (list(doc.function.identitySource) ?? ["authorization"]).map((name) =>
      name.toLowerCase(),
    ),
  };
}

const QUOTA_PERIODS = ["day", "week", "month"] as const;

export const usagePlansSchema = z
  .record(
    z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "plan names are letters, digits, _, . and -"),
    z.strictObject({
      rateLimit: z
        .number()
        .positive()
        .max(100_000)
        .optional()
        .describe("Requests per second, steady (token bucket)."),
      burst: z
        .int()
        .min(1)
        .max(100_000)
        .optional()
        .describe("Requests at once above the rate (default: the rate, at least 1)."),
      quota: z
        .strictObject({
          limit: z.int().min(1).describe("Requests per period."),
          period: z.enum(QUOTA_PERIODS).describe("day, week (from Monday) or month, in UTC."),
        })
        .optional(),
    }),
  )
  .describe("Limits for API keys (nimbus keys create --plan <name>): a rate, a burst and a quota per key.");

export type UsagePlansDocument = z.infer<typeof usagePlansSchema>;

export interface UsagePlan {
  readonly rateLimitPerSecond: number | undefined;
  readonly burst: number;
  readonly quota: { readonly limit: number; readonly period: (typeof QUOTA_PERIODS)[number] } | undefined;
}

export function normalizeUsagePlans(doc: UsagePlansDocument | undefined): Record<string, UsagePlan> {
  const plans: Record<string, UsagePlan> = {};
  for (const [name, plan] of Object.entries(doc ?? {})) {
    plans[name] = {
      rateLimitPerSecond: plan.rateLimit,
      burst: plan.burst ?? Math.max(1, Math.ceil(plan.rateLimit ?? 1)),
      quota: plan.quota,
    };
  }
  return plans;
}

interface EventsDocument {
  readonly functions: Readonly<Record<string, { readonly events?: readonly unknown[] | undefined }>>;
  readonly userPool?: unknown;
}

/** Route authorizers that cannot work with the rest of the document. */
export function routeAuthProblems(doc: EventsDocument): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const [name, fn] of Object.entries(doc.functions)) {
    for (const [index, event] of (fn.events ?? []).entries()) {
      const http = (event as { http?: unknown }).http;
      const auth =
        typeof http === "object" && http !== null ? (http as { auth?: RouteAuthDocument }).auth : undefined;
      const path = ["functions", name, "events", index, "http", "auth"];
      const normalized = normalizeRouteAuth(auth);
      if (normalized?.type === "jwt" && normalized.issuer === undefined && doc.userPool === undefined) {
        problems.push({
          path,
          message:
            "a jwt authorizer without an issuer uses the app's user pool: declare userPool, or give issuer",
        });
      }
      if (normalized?.type === "function" && !(normalized.functionName in doc.functions)) {
        problems.push({
          path,
          message: `the authorizer function "${normalized.functionName}" is not a function of this app`,
        });
      }
    }
  }
  return problems;
}
