// Access and ID tokens of a user pool: JWTs signed by Nimbus (the platform's signing keys,
// published per pool at <issuer>/.well-known/jwks.json). The issuer is the pool's URL,
// <public URL>/_nimbus/apps/<app>/userpool, as OIDC expects; the audience is the pool's
// `audience` (the app name by default). Access tokens are bearer credentials for the
// platform's API and for `auth: jwt` routes; ID tokens only say who the user is.
import { z } from "zod";
import { NimbusError } from "../../core/errors.ts";
import type { UserPoolConfig } from "../../core/manifest/user-pool.ts";
import type { UserRecord } from "../../store/identity-ports.ts";
import type { UserPrincipal } from "../principal.ts";
import { signToken, verifyToken } from "../tokens/jwt.ts";
import type { SigningKeyRing } from "../tokens/signing-keys.ts";

export interface IssuedTokens {
  readonly accessToken: string;
  readonly idToken: string;
  readonly tokenType: "Bearer";
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
}

const accessClaims = z.object({
  token_use: z.literal("access"),
  app: z.string(),
  sub: z.string(),
  username: z.string(),
  groups: z.array(z.string()),
  scope: z.string(),
});

export type AccessClaims = z.infer<typeof accessClaims>;

export class UserTokens {
  readonly #keys: SigningKeyRing;
  readonly #publicUrl: () => string;
  readonly #poolOf: (app: string) => Promise<UserPoolConfig | undefined>;

  constructor(
    keys: SigningKeyRing,
    publicUrl: () => string,
    poolOf: (app: string) => Promise<UserPoolConfig | undefined>,
  ) {
    this.#keys = keys;
    this.#publicUrl = publicUrl;
    this.#poolOf = poolOf;
  }

  issuerOf(app: string): string {
    return `${this.#publicUrl()}/_nimbus/apps/${app}/userpool`;
  }

  async issue(pool: UserPoolConfig, user: UserRecord): Promise<IssuedTokens> {
    const common = { issuer: this.issuerOf(user.app), audience: pool.audience, subject: user.userId };
    const scopes = new Set([
      ...pool.scopes,
      ...user.groups.flatMap((group) => pool.groups[group]?.scopes ?? []),
    ]);
    const access = await signToken(
      this.#keys,
      {
        token_use: "access",
        app: user.app,
        username: user.username,
        groups: [...user.groups],
        scope: [...scopes].join(" "),
      },
      { ...common, ttlMs: pool.accessTokenTtlMs },
    );
    const id = await signToken(
      this.#keys,
      {
        token_use: "id",
        app: user.app,
        username: user.username,
        groups: [...user.groups],
        ...(user.email === undefined ? {} : { email: user.email, email_verified: user.emailVerified }),
        auth_time: Math.floor(Date.now() / 1000),
      },
      { ...common, ttlMs: pool.idTokenTtlMs },
    );
    return {
      accessToken: access.token,
      idToken: id.token,
      tokenType: "Bearer",
      expiresIn: Math.round((access.expiresAt - Date.now()) / 1000),
    };
  }

  /** The verified claims of an app's access token (issuer and audience of its pool). */
  async verifyAccessToken(app: string, token: string): Promise<AccessClaims & Record<string, unknown>> {
    const pool = await this.#poolOf(app);
    if (!pool) throw new NimbusError("CREDENTIALS_INVALID", `The token's app "${app}" has no user pool`);
    const payload = await verifyToken(this.#keys, token, {
      issuer: this.issuerOf(app),
      audience: pool.audience,
    });
    const claims = accessClaims.safeParse(payload);
    if (!claims.success || claims.data.app !== app) {
      throw new NimbusError("CREDENTIALS_INVALID", "The token is not an access token of this user pool");
    }
    return { ...payload, ...claims.data };
  }

  /** A bearer access token on the platform's API: the app is read from the token, then checked. */
  async principalOf(token: string, app: string): Promise<UserPrincipal> {
    const claims = await this.verifyAccessToken(app, token);
    return { kind: "user", app, userId: claims.sub, username: claims.username, groups: claims.groups };
  }
}
