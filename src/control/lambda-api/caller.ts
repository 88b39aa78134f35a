// Who calls the Invoke API: a request signed with AWS Signature Version 4 by a Nimbus
// access key (what the AWS SDKs and CLI send; any region name is accepted, the service must
// be "lambda"), or `Authorization: Bearer …` as for the admin API (the admin key, an access
// key, a Nimbus token). Anything else is refused with Lambda's own error types.
import type { IncomingMessage } from "node:http";
import { NimbusError } from "../../core/errors.ts";
import { type SigV4Failure, sha256Hex, signableRequest, verifyRequest } from "../../core/sigv4/index.ts";
import type { Identity, Principal } from "../../identity/index.ts";
import { type LambdaApiError, lambdaError } from "./lambda-errors.ts";

export type CallerResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly error: LambdaApiError };

const SIGV4_ERRORS: Readonly<Record<SigV4Failure, (message: string) => LambdaApiError>> = {
  missing: () => lambdaError(403, "MissingAuthenticationTokenException", "Missing Authentication Token"),
  malformed: (message) => lambdaError(400, "IncompleteSignatureException", message),
  "scope-mismatch": (message) => lambdaError(403, "InvalidSignatureException", message),
  skewed: (message) => lambdaError(403, "InvalidSignatureException", message),
  expired: (message) => lambdaError(403, "InvalidSignatureException", message),
  "unknown-key": () =>
    lambdaError(403, "UnrecognizedClientException", "The security token included in the request is invalid."),
  mismatch: (message) => lambdaError(403, "InvalidSignatureException", message),
};

export async function authenticateCaller(
  req: IncomingMessage,
  body: Uint8Array,
  identity: Pick<Identity, "resolveAccessKey" | "authenticator">,
): Promise<CallerResult> {
  const authorization = req.headers.authorization;
  if (authorization !== undefined && /^Bearer\s/i.test(authorization)) {
    try {
      const principal = await identity.authenticator.authenticate(authorization);
      if (principal !== undefined) return { ok: true, principal };
    } catch (error) {
      if (!(error instanceof NimbusError)) throw error;
      return { ok: false, error: lambdaError(403, "UnrecognizedClientException", error.message) };
    }
  }
  let resolved: Awaited<ReturnType<typeof identity.resolveAccessKey>>;
  const result = await verifyRequest(
    signableRequest(req),
    async (accessKeyId) => {
      resolved = await identity.resolveAccessKey(accessKeyId);
      return resolved?.active ? resolved.secretAccessKey : undefined;
    },
    {
      service: "lambda",
      payloadHash: sha256Hex(body),
      nowMs: Date.now(),
      canonical: { doubleEncodePath: true },
    },
  );
  if (!result.ok) return { ok: false, error: SIGV4_ERRORS[result.failure](result.message) };
  const key = resolved as NonNullable<typeof resolved>;
  return {
    ok: true,
    principal: { kind: "access-key", accessKeyId: key.accessKeyId, name: key.name, policy: key.policy },
  };
}
