// Signing and verifying Nimbus JWTs with jose. Verification allows ES256 only — so `alg: none`
// and algorithm confusion (HS256 with the public key as secret) are refused — and checks the
// signature, issuer, audience and expiry (no clock tolerance: a token is useless the second it
// expires). Every failure is CREDENTIALS_INVALID, without echoing the token.
import { randomBytes } from "node:crypto";
import { errors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { NimbusError } from "../../core/errors.ts";
import { SIGNING_ALGORITHM, type SigningKeyRing } from "./signing-keys.ts";

export interface SignedToken {
  readonly token: string;
  /** Epoch ms (whole seconds, as the token's `exp`). */
  readonly expiresAt: number;
}

export interface SignOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly subject: string;
  readonly ttlMs: number;
}

export async function signToken(
  keys: SigningKeyRing,
  claims: JWTPayload,
  options: SignOptions,
): Promise<SignedToken> {
  const { kid, key } = await keys.current();
  const nowSeconds = Math.floor(Date.now() / 1000);
  const exp = nowSeconds + Math.max(1, Math.floor(options.ttlMs / 1000));
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid, typ: "JWT" })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(options.subject)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(exp)
    .setJti(randomBytes(12).toString("base64url"))
    .sign(key);
  return { token, expiresAt: exp * 1000 };
}

function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "it expired";
  if (error instanceof errors.JWTClaimValidationFailed)
    return `its "${error.claim}" claim is not accepted here`;
  if (error instanceof errors.JOSEAlgNotAllowed) return "it is not signed with ES256";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "its signature does not verify";
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSInvalid)
    return "no signing key of this platform matches it";
  return "it is malformed";
}

export async function verifyToken(
  keys: SigningKeyRing,
  token: string,
  expected: { issuer: string | readonly string[]; audience: string | readonly string[] },
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = await keys.verificationKey(header.kid);
        if (!key) throw new errors.JWKSNoMatchingKey();
        return key;
      },
      {
        algorithms: [SIGNING_ALGORITHM],
        issuer: expected.issuer as string | string[],
        audience: expected.audience as string | string[],
        requiredClaims: ["exp", "iat", "sub"],
      },
    );
    return payload;
  } catch (error) {
    throw new NimbusError("CREDENTIALS_INVALID", `The token is not valid: ${reason(error)}`);
  }
}
