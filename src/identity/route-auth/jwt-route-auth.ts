// `auth: jwt` routes: a bearer JWT from the app's own user pool (verified with the platform's
// keys) or from any OIDC issuer (its JWKS fetched and cached by jose). As API Gateway's JWT
// authorizer: issuer and one accepted audience must match; with scopes or groups listed, the
// token must carry at least one of each; missing or invalid → 401, insufficient → 403.
import type { IncomingMessage } from "node:http";
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";
import { NimbusError } from "../../core/errors.ts";
import type { RouteAuth } from "../../core/manifest/route-auth.ts";
import type { UserPoolConfig } from "../../core/manifest/user-pool.ts";
import { verifyToken } from "../tokens/jwt.ts";
import type { SigningKeyRing } from "../tokens/signing-keys.ts";
import type { UserTokens } from "../user-pools/user-tokens.ts";

type JwtAuth = Extract<RouteAuth, { type: "jwt" }>;

/** Asymmetric algorithms only: never "none", never HMAC (whose key would be public). */
const EXTERNAL_ALGORITHMS = [
  "ES256",
  "ES384",
  "ES512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "EdDSA",
];

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization?.trim();
  if (!header) return undefined;
  return /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, "") : header;
}

function scopesOf(claims: JWTPayload): string[] {
  if (typeof claims.scope === "string") return claims.scope.split(" ").filter((scope) => scope !== "");
  return Array.isArray(claims.scp)
    ? claims.scp.filter((scope): scope is string => typeof scope === "string")
    : [];
}

function groupsOf(claims: JWTPayload): string[] {
  const groups = claims.groups ?? claims["cognito:groups"];
  return Array.isArray(groups) ? groups.filter((group): group is string => typeof group === "string") : [];
}

export class JwtRouteAuth {
  readonly #keys: SigningKeyRing;
  readonly #userTokens: UserTokens;
  readonly #poolOf: (app: string) => Promise<UserPoolConfig | undefined>;
  readonly #remoteKeySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  constructor(
    keys: SigningKeyRing,
    userTokens: UserTokens,
    poolOf: (app: string) => Promise<UserPoolConfig | undefined>,
  ) {
    this.#keys = keys;
    this.#userTokens = userTokens;
    this.#poolOf = poolOf;
  }

  async authorize(app: string, auth: JwtAuth, req: IncomingMessage): Promise<Record<string, unknown>> {
    const token = bearerToken(req);
    if (token === undefined)
      throw new NimbusError(
        "CREDENTIALS_INVALID",
        "This route needs a JWT: send 'Authorization: Bearer <token>'",
      );
    const claims = await this.#verify(app, auth, token);
    const scopes = scopesOf(claims);
    if (auth.scopes.length > 0 && !auth.scopes.some((scope) => scopes.includes(scope))) {
      throw new NimbusError(
        "ACCESS_DENIED",
        `The token has none of the scopes this route needs (${auth.scopes.join(", ")})`,
      );
    }
    if (auth.groups.length > 0 && !groupsOf(claims).some((group) => auth.groups.includes(group))) {
      throw new NimbusError(
        "ACCESS_DENIED",
        `The user is in none of the groups this route needs (${auth.groups.join(", ")})`,
      );
    }
    return { jwt: { claims, scopes } };
  }

  async #verify(app: string, auth: JwtAuth, token: string): Promise<JWTPayload> {
    const ownIssuer = this.#userTokens.issuerOf(app);
    if (auth.issuer === undefined || auth.issuer === ownIssuer) {
      const pool = await this.#poolOf(app);
      if (!pool)
        throw new NimbusError(
          "CREDENTIALS_INVALID",
          `App "${app}" has no user pool to verify the token with`,
        );
      return verifyToken(this.#keys, token, { issuer: ownIssuer, audience: auth.audience ?? pool.audience });
    }
    const jwksUri = auth.jwksUri ?? `${auth.issuer.replace(/\/+$/, "")}/.well-known/jwks.json`;
    let keySet = this.#remoteKeySets.get(jwksUri);
    if (!keySet) {
      keySet = createRemoteJWKSet(new URL(jwksUri));
      this.#remoteKeySets.set(jwksUri, keySet);
    }
    try {
      const { payload } = await jwtVerify(token, keySet, {
        issuer: auth.issuer,
        ...(auth.audience === undefined ? {} : { audience: [...auth.audience] }),
        algorithms: EXTERNAL_ALGORITHMS,
      });
      return payload;
    } catch (error) {
      throw new NimbusError(
        "CREDENTIALS_INVALID",
        `The token is not valid for this route: ${(error as Error).message}`,
      );
    }
  }
}
