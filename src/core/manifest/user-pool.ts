// The `userPool:` of nimbus.yaml: the app's end users (sign-up, sign-in, tokens) and the
// role they get once signed in, per group too. Schema as written, and its normalised config.
import { z } from "zod";
import { parseDuration } from "../durations.ts";
import { manifestPermissionsSchema, normalizeManifestStatements } from "../policy/schema.ts";
import type { PolicyStatement } from "../policy/types.ts";
import { durationField as duration } from "./duration-schema.ts";

const GROUP_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
const scopes = z
  .array(z.string().regex(SCOPE, "a scope is printable characters without spaces or quotes"))
  .max(50);

const group = z.strictObject({
  permissions: manifestPermissionsSchema
    .optional()
    .describe("What members of the group may do, besides the pool's role."),
  scopes: scopes
    .optional()
    .describe("OAuth scopes added to members' access tokens (for jwt route authorizers)."),
});

export const userPoolSchema = z
  .strictObject({
    selfSignUp: z
      .boolean()
      .optional()
      .describe("Anyone may sign up (default true); false: only `nimbus users create`."),
    passwordMinLength: z.int().min(8).max(256).optional().describe("Shortest password allowed (default 8)."),
    audience: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe("The `aud` of the pool's tokens (default: the app name)."),
    tokens: z
      .strictObject({
        access: duration("how long an access token is valid (default 1h, at most 1d)").optional(),
        id: duration("how long an ID token is valid (default 1h, at most 1d)").optional(),
        refresh: duration("how long a refresh token is valid (default 30d, at most 365d)").optional(),
      })
      .optional(),
    lockout: z
      .strictObject({
        maxFailedAttempts: z
          .int()
          .min(1)
          .max(100)
          .optional()
          .describe("Failed sign-ins in a row that lock (default 5)."),
        duration: duration("how long a locked user cannot sign in (default 15m)").optional(),
      })
      .optional(),
    scopes: scopes.optional().describe("OAuth scopes every access token of the pool carries."),
    permissions: manifestPermissionsSchema
      .optional()
      .describe(
        "The role of every signed-in user: statements on the app's resources (use the variable principal.userId).",
      ),
    groups: z
      .record(z.string().regex(GROUP_NAME, "group names are letters, digits, _, . and -"), group)
      .optional(),
  })
  .describe("The app's end users: sign-up, sign-in, JWT access and ID tokens, the role users get.");

export type UserPoolDocument = z.infer<typeof userPoolSchema>;

export interface UserPoolGroupConfig {
  readonly permissions: readonly PolicyStatement[];
  readonly scopes: readonly string[];
}

export interface UserPoolConfig {
  readonly selfSignUp: boolean;
  readonly passwordMinLength: number;
  readonly audience: string;
  readonly accessTokenTtlMs: number;
  readonly idTokenTtlMs: number;
  readonly refreshTokenTtlMs: number;
  readonly lockout: { readonly maxFailedAttempts: number; readonly durationMs: number };
  readonly scopes: readonly string[];
  readonly permissions: readonly PolicyStatement[];
  readonly groups: Readonly<Record<string, UserPoolGroupConfig>>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const LIMITS = { token: DAY_MS, refresh: 365 * DAY_MS };

/** Problems beyond the schema: token lives within their limits. */
export function userPoolProblems(
  doc: UserPoolDocument | undefined,
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const [kind, text] of Object.entries(doc?.tokens ?? {})) {
    const ms = parseDuration(text);
    const limit = kind === "refresh" ? LIMITS.refresh : LIMITS.token;
    if (ms !== undefined && (ms < 1_000 || ms > limit)) {
      problems.push({
        path: ["userPool", "tokens", kind],
        message: `must be between 1s and ${kind === "refresh" ? "365d" : "1d"}`,
      });
    }
  }
  return problems;
}

function ms(text: string | undefined, fallback: number): number {
  return text === undefined ? fallback : (parseDuration(text) as number);
}

export function normalizeUserPool(app: string, doc: UserPoolDocument): UserPoolConfig {
  const groups: Record<string, UserPoolGroupConfig> = {};
  for (const [name, definition] of Object.entries(doc.groups ?? {})) {
    groups[name] = {
      permissions: normalizeManifestStatements(app, definition.permissions ?? []),
      scopes: definition.scopes ?? [],
    };
  }
  return {
    selfSignUp: doc.selfSignUp ?? true,
    passwordMinLength: doc.passwordMinLength ?? 8,
    audience: doc.audience ?? app,
    accessTokenTtlMs: ms(doc.tokens?.access, HOUR_MS),
    idTokenTtlMs: ms(doc.tokens?.id, HOUR_MS),
    refreshTokenTtlMs: ms(doc.tokens?.refresh, 30 * DAY_MS),
    lockout: {
      maxFailedAttempts: doc.lockout?.maxFailedAttempts ?? 5,
      durationMs: ms(doc.lockout?.duration, 15 * 60_000),
    },
    scopes: doc.scopes ?? [],
    permissions: normalizeManifestStatements(app, doc.permissions ?? []),
    groups,
  };
}
