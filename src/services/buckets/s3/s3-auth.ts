// Who signed an S3 request: AWS Signature Version 4 (core/sigv4) by a Nimbus access key, in
// the Authorization header or as a presigned URL's query. The service in the credential scope
// must be "s3"; any region is accepted. S3 signs the path as sent (no second encoding) and the
// payload as the client declares it in x-amz-content-sha256 — a hex SHA-256, UNSIGNED-PAYLOAD,
// or an aws-chunked streaming mode — which request-body.ts then holds the body to.
import type { IncomingMessage } from "node:http";
import {
  type CredentialScope,
  type SignableRequest,
  type SigV4Failure,
  scopeString,
  signableRequest,
  signingKey,
  verifyRequest,
} from "../../../core/sigv4/index.ts";
import type { Identity, Principal } from "../../../identity/index.ts";
import { S3Error } from "./s3-errors.ts";

export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export const STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
export const STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
export const STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

/** How the body is vouched for. */
export type PayloadMode =
  | { readonly kind: "sha256"; readonly hex: string }
  | { readonly kind: "unsigned" }
  /** aws-chunked; each chunk signed, chained from the request's signature. */
  | { readonly kind: "chunked-signed"; readonly trailer: boolean }
  /** aws-chunked without signatures; a checksum trailer. */
  | { readonly kind: "chunked-unsigned" };

/** What verifying chunk signatures needs: the day's signing key and the request's signature. */
export interface ChunkSigning {
  readonly key: Buffer;
  readonly amzDate: string;
  readonly scope: string;
  readonly seedSignature: string;
}

export interface S3Caller {
  readonly principal: Principal;
  readonly payload: PayloadMode;
  readonly signing: ChunkSigning;
}

const SIGV4_ERRORS: Readonly<Record<SigV4Failure, (message: string, presigned: boolean) => S3Error>> = {
  missing: () =>
    new S3Error(
      403,
      "AccessDenied",
      "Anonymous requests are not allowed: sign the request with a Nimbus access key (nimbus iam keys create)",
    ),
  malformed: (message, presigned) =>
    new S3Error(
      400,
      presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed",
      message,
    ),
  "scope-mismatch": (message) => new S3Error(403, "SignatureDoesNotMatch", message),
  skewed: (message) => new S3Error(403, "RequestTimeTooSkewed", message),
  expired: () => new S3Error(403, "AccessDenied", "Request has expired"),
  "unknown-key": () =>
    new S3Error(
      403,
      "InvalidAccessKeyId",
      "The AWS Access Key Id you provided does not exist in our records.",
    ),
  mismatch: (message) => new S3Error(403, "SignatureDoesNotMatch", message),
};

function payloadModeOf(declared: string): PayloadMode {
  if (/^[0-9a-f]{64}$/.test(declared)) return { kind: "sha256", hex: declared };
  switch (declared) {
    case UNSIGNED_PAYLOAD:
      return { kind: "unsigned" };
    case STREAMING_SIGNED:
      return { kind: "chunked-signed", trailer: false };
    case STREAMING_SIGNED_TRAILER:
      return { kind: "chunked-signed", trailer: true };
    case STREAMING_UNSIGNED_TRAILER:
      return { kind: "chunked-unsigned" };
    default:
      throw new S3Error(
        400,
        "InvalidArgument",
        `x-amz-content-sha256 must be a hex SHA-256, ${UNSIGNED_PAYLOAD}, ${STREAMING_SIGNED}, ${STREAMING_SIGNED_TRAILER} or ${STREAMING_UNSIGNED_TRAILER}`,
      );
  }
}

/** The declared payload hash: the header for signed headers, UNSIGNED-PAYLOAD for presigned URLs. */
function declaredPayload(req: IncomingMessage, request: SignableRequest): string {
  const header = req.headers["x-amz-content-sha256"];
  if (typeof header === "string") return header;
  const presigned = new URLSearchParams(request.query);
  if (presigned.has("X-Amz-Signature")) return presigned.get("X-Amz-Content-Sha256") ?? UNSIGNED_PAYLOAD;
  if (req.headers.authorization === undefined) return UNSIGNED_PAYLOAD; // refused as anonymous below
  throw new S3Error(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
}

export async function authenticateS3(
  req: IncomingMessage,
  identity: Pick<Identity, "resolveAccessKey">,
  nowMs: number = Date.now(),
): Promise<S3Caller> {
  const request = signableRequest(req);
  const declared = declaredPayload(req, request);
  const payload = payloadModeOf(declared);
  let resolved: Awaited<ReturnType<typeof identity.resolveAccessKey>>;
  const result = await verifyRequest(
    request,
    async (accessKeyId) => {
      resolved = await identity.resolveAccessKey(accessKeyId);
      return resolved?.active ? resolved.secretAccessKey : undefined;
    },
    { service: "s3", payloadHash: declared, nowMs, canonical: { doubleEncodePath: false } },
  );
  if (!result.ok) {
    const presigned = !request.headers.some(([name]) => name.toLowerCase() === "authorization");
    throw SIGV4_ERRORS[result.failure](result.message, presigned);
  }
  const key = resolved as NonNullable<typeof resolved>;
  const scope: CredentialScope = result.value.scope;
  return {
    principal: { kind: "access-key", accessKeyId: key.accessKeyId, name: key.name, policy: key.policy },
    payload,
    signing: {
      key: signingKey(key.secretAccessKey, scope),
      amzDate: result.value.amzDate,
      scope: scopeString(scope),
      seedSignature: result.value.signature,
    },
  };
}
