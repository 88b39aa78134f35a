// The signature itself: a key derived from the secret for one day, region and service,
// and an HMAC of the "string to sign" (the algorithm, the time, the scope and the hash of
// the canonical request).
import { createHmac } from "node:crypto";
import { type CanonicalOptions, canonicalRequest, type SignableRequest, sha256Hex } from "./canonical.ts";

export const ALGORITHM = "AWS4-HMAC-SHA256";

export interface CredentialScope {
  /** yyyymmdd */
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

export function scopeString(scope: CredentialScope): string {
  return `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

export function signingKey(secretAccessKey: string, scope: CredentialScope): Buffer {
  const dateKey = hmac(`AWS4${secretAccessKey}`, scope.date);
  return hmac(hmac(hmac(dateKey, scope.region), scope.service), "aws4_request");
}

export function stringToSign(amzDate: string, scope: CredentialScope, canonical: string): string {
  return [ALGORITHM, amzDate, scopeString(scope), sha256Hex(canonical)].join("\n");
}

export interface SignatureInput {
  readonly request: SignableRequest;
  /** Lower-case, sorted. */
  readonly signedHeaders: readonly string[];
  readonly payloadHash: string;
  /** yyyymmddThhmmssZ */
  readonly amzDate: string;
  readonly scope: CredentialScope;
  readonly secretAccessKey: string;
  readonly options: CanonicalOptions;
}

/** The hex signature of a request. */
export function computeSignature(input: SignatureInput): string {
  const canonical = canonicalRequest(input.request, input.signedHeaders, input.payloadHash, input.options);
  return hmac(
    signingKey(input.secretAccessKey, input.scope),
    stringToSign(input.amzDate, input.scope, canonical),
  ).toString("hex");
}
