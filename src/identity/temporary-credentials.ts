// Temporary credentials (as AWS STS with a session policy): an authenticated principal — a
// user of a pool, a function, an access key, the admin — asks for a short-lived token whose
// rights are its own intersected with a session policy it gives ("PUT only under
// photos/uploads/<my id>/ for 15 minutes"), to hand to a browser or a job. They can never
// exceed the parent's rights: every request needs the parent's policies AND every session
// policy to allow it. The parent is re-checked on use (a revoked access key or a disabled user
// takes its temporary credentials down with it); credentials made from a function's token
// carry the function's permissions and outlive its instance until they expire.
import { decodeJwt } from "jose";
import { z } from "zod";
import { NimbusError } from "../core/errors.ts";
import {
  absoluteStatementSchema,
  appResource,
  NRN_PREFIX,
  normalizePolicyDocument,
  type Policy,
  type PolicyStatement,
} from "../core/policy/index.ts";
import { PLATFORM_AUDIENCE, PLATFORM_ISSUER } from "./function-credentials.ts";
import { parseBody } from "./http/parse-body.ts";
import { type BasePrincipal, type Principal, principalApp, type TemporaryPrincipal } from "./principal.ts";
import { signToken, verifyToken } from "./tokens/jwt.ts";
import type { SigningKeyRing } from "./tokens/signing-keys.ts";
import { type StatementClaim, statementClaim } from "./tokens/statement-claim.ts";

export const DEFAULT_DURATION_SECONDS = 15 * 60;
export const MAX_DURATION_SECONDS = 12 * 60 * 60;
/** Credentials made from a function's or from other temporary credentials: at most an hour (AWS's role chaining). */
export const MAX_CHAINED_DURATION_SECONDS = 60 * 60;

/** A session policy may name resources relative to the caller's app ("bucket/photos/*"). */
const sessionStatement = absoluteStatementSchema.extend({
  resources: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(100)]),
});

const sessionPolicySchema = z.strictObject({ statements: z.array(sessionStatement).min(1).max(100) });

export const temporaryCredentialsRequest = z.strictObject({
  /** Checked on its own, so its problems get POLICY_INVALID. */
  policy: z.unknown(),
  durationSeconds: z.int().min(1).max(MAX_DURATION_SECONDS).optional(),
});

const parentClaim = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("admin") }),
  z.object({ kind: z.literal("access-key"), accessKeyId: z.string(), name: z.string() }),
  z.object({
    kind: z.literal("function"),
    app: z.string(),
    fn: z.string(),
    ver: z.string(),
    pol: z.array(statementClaim),
  }),
  z.object({
    kind: z.literal("user"),
    app: z.string(),
    userId: z.string(),
    username: z.string(),
    groups: z.array(z.string()),
  }),
]);

const temporaryClaims = z.object({
  token_use: z.literal("temporary"),
  jti: z.string(),
  exp: z.number(),
  par: parentClaim,
  spol: z.array(z.array(statementClaim)),
});

export interface IssuedCredentials {
  /** Use as 'Authorization: Bearer <token>'. */
  readonly token: string;
  readonly credentialId: string;
  readonly expiresAt: number;
}

type ParentClaim = z.infer<typeof parentClaim>;

function parentClaimOf(parent: BasePrincipal): ParentClaim {
  switch (parent.kind) {
    case "admin":
      return { kind: "admin" };
    case "access-key":
      return { kind: "access-key", accessKeyId: parent.accessKeyId, name: parent.name };
    case "function":
      return {
        kind: "function",
        app: parent.app,
        fn: parent.functionName,
        ver: parent.version,
        pol: parent.policy.statements as StatementClaim[],
      };
    case "user":
      return {
        kind: "user",
        app: parent.app,
        userId: parent.userId,
        username: parent.username,
        groups: [...parent.groups],
      };
    case "api-key":
      throw new NimbusError(
        "ACCESS_DENIED",
        "API keys grant nothing to scope down: they cannot get temporary credentials",
      );
  }
}

function parentOf(claim: ParentClaim): BasePrincipal {
  switch (claim.kind) {
    case "admin":
      return { kind: "admin" };
    case "access-key":
      return {
        kind: "access-key",
        accessKeyId: claim.accessKeyId,
        name: claim.name,
        policy: { name: `accesskey/${claim.accessKeyId}`, statements: [] },
      };
    case "function":
      return {
        kind: "function",
        app: claim.app,
        functionName: claim.fn,
        version: claim.ver,
        instanceId: undefined,
        policy: { name: `function/${claim.fn}`, statements: claim.pol },
      };
    case "user":
      return {
        kind: "user",
        app: claim.app,
        userId: claim.userId,
        username: claim.username,
        groups: claim.groups,
      };
  }
}

/** The resource a principal's CreateTemporaryCredentials is checked on: its app's, or the platform's. */
export function credentialsResource(principal: Principal): string {
  const app = principalApp(principal);
  return app === undefined ? `${NRN_PREFIX}:credentials` : appResource(app, "credentials");
}

export class TemporaryCredentials {
  readonly #keys: SigningKeyRing;

  constructor(keys: SigningKeyRing) {
    this.#keys = keys;
  }

  /** The caller must already be authorized iam:CreateTemporaryCredentials. */
  async issue(principal: Principal, body: unknown): Promise<IssuedCredentials> {
    const request = parseBody(temporaryCredentialsRequest, body, "temporary credentials request");
    const policy = parseBody(sessionPolicySchema, request.policy, "session policy", "POLICY_INVALID");
    const app = principalApp(principal);
    const statements = policy.statements.map((statement) => {
      const resources = typeof statement.resources === "string" ? [statement.resources] : statement.resources;
      const qualified = resources.map((resource) => {
        if (resource === "*" || resource.startsWith(NRN_PREFIX)) return resource;
        if (app === undefined) {
          throw new NimbusError(
            "POLICY_INVALID",
            `"${resource}" is relative, and the caller has no app: write nrn:<app>:${resource}`,
          );
        }
        return appResource(app, resource);
      });
      return { ...statement, resources: qualified };
    });
    const session = normalizePolicyDocument("session", { statements });
    const chained = principal.kind === "temporary" || principal.kind === "function";
    const maxSeconds = chained ? MAX_CHAINED_DURATION_SECONDS : MAX_DURATION_SECONDS;
    const durationSeconds = request.durationSeconds ?? DEFAULT_DURATION_SECONDS;
    if (durationSeconds > maxSeconds) {
      throw new NimbusError(
        "BAD_REQUEST",
        `durationSeconds may be at most ${maxSeconds} for credentials made from a ${principal.kind === "temporary" ? "temporary credential" : "function"}`,
      );
    }
    let ttlMs = durationSeconds * 1000;
    // Credentials made from temporary ones end no later than those.
    if (principal.kind === "temporary") ttlMs = Math.min(ttlMs, principal.expiresAt - Date.now());
    const parent = principal.kind === "temporary" ? principal.parent : principal;
    const previous =
      principal.kind === "temporary" ? principal.sessionPolicies.map((policy) => policy.statements) : [];
    const { token, expiresAt } = await signToken(
      this.#keys,
      {
        token_use: "temporary",
        par: parentClaimOf(parent),
        spol: [...previous, session.statements] as unknown as Record<string, unknown>[][],
      },
      { issuer: PLATFORM_ISSUER, audience: PLATFORM_AUDIENCE, subject: `temporary/${parent.kind}`, ttlMs },
    );
    return { token, credentialId: String(decodeJwt(token).jti), expiresAt };
  }

  async verify(token: string): Promise<TemporaryPrincipal> {
    const payload = await verifyToken(this.#keys, token, {
      issuer: PLATFORM_ISSUER,
      audience: PLATFORM_AUDIENCE,
    });
    const claims = temporaryClaims.safeParse(payload);
    if (!claims.success)
      throw new NimbusError("CREDENTIALS_INVALID", "The token is not a temporary credential");
    const { par, spol, jti, exp } = claims.data;
    const sessionPolicies: Policy[] = spol.map((statements, index) => ({
      name: spol.length === 1 ? "session" : `session${index + 1}`,
      statements: statements as PolicyStatement[],
    }));
    return {
      kind: "temporary",
      parent: parentOf(par),
      sessionPolicies,
      credentialId: jti,
      expiresAt: exp * 1000,
    };
  }
}
