// Turns a Nimbus JWT presented as a bearer credential into its principal. Each kind of token
// (its `token_use` claim) is verified by the part that issues it — function credentials,
// temporary credentials, user pools — registered here; an ID token or a refresh token is not
// a bearer credential for the platform's API.
import { decodeJwt } from "jose";
import { NimbusError } from "../../core/errors.ts";
import type { BearerTokenVerifier } from "../authenticate.ts";
import type { Principal } from "../principal.ts";

export type TokenUse = "function" | "temporary" | "access";

export type TokenKindVerifier = (token: string) => Promise<Principal>;

export class BearerTokens implements BearerTokenVerifier {
  readonly #kinds = new Map<string, TokenKindVerifier>();

  register(use: TokenUse, verify: TokenKindVerifier): void {
    this.#kinds.set(use, verify);
  }

  async verifyBearerToken(token: string): Promise<Principal> {
    let use: unknown;
    try {
      use = decodeJwt(token).token_use;
    } catch {
      throw new NimbusError("CREDENTIALS_INVALID", "The token is not valid: it is malformed");
    }
    const verify = typeof use === "string" ? this.#kinds.get(use) : undefined;
    if (!verify) {
      throw new NimbusError(
        "CREDENTIALS_INVALID",
        use === "id"
          ? "An ID token says who a user is; call the API with the access token"
          : "The token is not a Nimbus access token",
      );
    }
    // The verifier checks the signature: the unverified token_use only picks which one runs.
    return verify(token);
  }
}
