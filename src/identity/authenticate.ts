// Who is calling, from an `Authorization: Bearer …` header: the admin key, an access key
// ("<id>:<secret>"), or a token Nimbus signed (a function's, temporary credentials, a user's
// access token). No header: undefined (the caller decides whether that is allowed); anything
// presented that does not check out: CREDENTIALS_INVALID, never a silent downgrade.
import { NimbusError } from "../core/errors.ts";
import type { AccessKeys } from "./access-keys.ts";
import type { Principal } from "./principal.ts";

/** control/admin-key.ts's check, by shape (identity does not import the control plane). */
export interface AdminKeyCheck {
  verify(presented: string | undefined): boolean;
}

/** Verifies a JWT Nimbus issued and returns its principal; CREDENTIALS_INVALID otherwise. */
export interface BearerTokenVerifier {
  verifyBearerToken(token: string): Promise<Principal>;
}

const ACCESS_KEY_BEARER = /^(NAK[A-Z2-7]{17}):(.+)$/;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

export class Authenticator {
  readonly #adminKey: AdminKeyCheck;
  readonly #accessKeys: AccessKeys;
  readonly #tokens: BearerTokenVerifier;

  constructor(adminKey: AdminKeyCheck, accessKeys: AccessKeys, tokens: BearerTokenVerifier) {
    this.#adminKey = adminKey;
    this.#accessKeys = accessKeys;
    this.#tokens = tokens;
  }

  /** The principal of an Authorization header value; undefined when there is none. */
  async authenticate(authorization: string | undefined): Promise<Principal | undefined> {
    if (authorization === undefined || authorization === "") return undefined;
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (!match)
      throw new NimbusError("CREDENTIALS_INVALID", "The Authorization header must be 'Bearer <credentials>'");
    return this.authenticateBearer(match[1] as string);
  }

  async authenticateBearer(credential: string): Promise<Principal> {
    if (this.#adminKey.verify(credential)) return { kind: "admin" };
    const accessKey = ACCESS_KEY_BEARER.exec(credential);
    if (accessKey) return this.#accessKeys.authenticate(accessKey[1] as string, accessKey[2] as string);
    if (JWT_SHAPE.test(credential)) return this.#tokens.verifyBearerToken(credential);
    throw new NimbusError(
      "CREDENTIALS_INVALID",
      "The credentials are not an admin key, an access key or a Nimbus token",
    );
  }
}
