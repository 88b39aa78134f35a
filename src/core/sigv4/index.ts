// AWS Signature Version 4, verification (and signing, for tests and clients): pure, shared
// by every AWS-compatible API of Nimbus (the Lambda Invoke API, the S3 endpoint).
export {
  type CanonicalOptions,
  canonicalPath,
  canonicalQuery,
  canonicalRequest,
  type SignableRequest,
  sha256Hex,
  uriEscape,
} from "./canonical.ts";
export { signableRequest } from "./signable-request.ts";
export { ALGORITHM, type CredentialScope, computeSignature, scopeString, signingKey } from "./signature.ts";
export {
  type ParsedSignature,
  parseAmzDate,
  parseSignature,
  type SigV4Failure,
  type SigV4Result,
  type VerifyOptions,
  verifyRequest,
  verifySignature,
} from "./verify.ts";
