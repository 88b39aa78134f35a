// Verifying a SigV4-signed request, in the Authorization header or as a presigned URL's
// query. Pure: the caller finds the secret of an access key id and says which payload hash
// applies (the body's SHA-256 for most services; S3 may send UNSIGNED-PAYLOAD or its own
// x-amz-content-sha256). Failures are neutral reasons, so each API answers in its own
// words (Lambda: InvalidSignatureException, S3: SignatureDoesNotMatch, …).
import { timingSafeEqual } from "node:crypto";
import { type CanonicalOptions, headerValue, type SignableRequest } from "./canonical.ts";
import { ALGORITHM, type CredentialScope, computeSignature } from "./signature.ts";

export type SigV4Failure =
  /** No signature at all (the caller may try other credentials). */
  | "missing"
  /** A signature that cannot be read: a missing part, a bad date, an unknown algorithm. */
  | "malformed"
  /** The scope's date is not the request's, or the service is not this API's. */
  | "scope-mismatch"
  /** The request's time is too far from the server's (replays, wrong clocks). */
  | "skewed"
  /** A presigned URL past its X-Amz-Expires. */
  | "expired"
  /** No secret for the access key id. */
  | "unknown-key"
  /** The signature is not the one the secret gives. */
  | "mismatch";

export interface ParsedSignature {
  readonly accessKeyId: string;
  readonly scope: CredentialScope;
  /** Lower-case, in the order signed. */
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** yyyymmddThhmmssZ */
  readonly amzDate: string;
  readonly presigned: boolean;
  /** Presigned URLs only. */
  readonly expiresSeconds: number | undefined;
}

export type SigV4Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: SigV4Failure; readonly message: string };

export interface VerifyOptions {
  /** The service this API signs for: "lambda", "s3". */
  readonly service: string;
  /** Hex SHA-256 of the body, or a value such as UNSIGNED-PAYLOAD the API accepts. */
  readonly payloadHash: string;
  readonly nowMs: number;
  /** AWS allows 15 minutes either way. */
  readonly maxSkewMs?: number;
  readonly canonical: Omit<CanonicalOptions, "omitQuery">;
}

const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGNED_SECONDS = 7 * 24 * 60 * 60;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function fail<T>(failure: SigV4Failure, message: string): SigV4Result<T> {
  return { ok: false, failure, message };
}

/** Epoch ms of an x-amz-date, or undefined when it is not one. */
export function parseAmzDate(value: string): number | undefined {
  const match = AMZ_DATE.exec(value);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const ms = Date.UTC(year as number, (month as number) - 1, day, hour, minute, second);
  return Number.isNaN(ms) ? undefined : ms;
}

function parseCredential(credential: string): { accessKeyId: string; scope: CredentialScope } | undefined {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request") return undefined;
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  if (accessKeyId === "" || !/^\d{8}$/.test(date) || region === "" || service === "") return undefined;
  return { accessKeyId, scope: { date, region, service } };
}

function queryParameters(query: string): Map<string, string> {
  const parameters = new Map<string, string>();
  for (const part of query.split("&")) {
    const equals = part.indexOf("=");
    if (equals === -1) continue;
    try {
      parameters.set(decodeURIComponent(part.slice(0, equals)), decodeURIComponent(part.slice(equals + 1)));
    } catch {
      // not ours to judge here; a malformed X-Amz-* parameter fails below as missing
    }
  }
  return parameters;
}

function fromAuthorizationHeader(request: SignableRequest, header: string): SigV4Result<ParsedSignature> {
  const space = header.indexOf(" ");
  const algorithm = space === -1 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) return fail("malformed", `Only ${ALGORITHM} signatures are accepted`);
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(",")) {
    const equals = part.indexOf("=");
    if (equals !== -1) fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  const credential = parseCredential(fields.get("Credential") ?? "");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (credential === undefined || !signedHeaders || !signature) {
    return fail(
      "malformed",
      "The Authorization header needs Credential=<id>/<date>/<region>/<service>/aws4_request, SignedHeaders and Signature",
    );
  }
  const amzDate = headerValue(request, "x-amz-date") ?? "";
  if (parseAmzDate(amzDate) === undefined)
    return fail("malformed", "The request needs an X-Amz-Date header (yyyymmddThhmmssZ)");
  return {
    ok: true,
    value: {
      ...credential,
      signedHeaders: signedHeaders.split(";"),
      signature,
      amzDate,
      presigned: false,
      expiresSeconds: undefined,
    },
  };
}

function fromPresignedQuery(parameters: Map<string, string>): SigV4Result<ParsedSignature> {
  if (parameters.get("X-Amz-Algorithm") !== ALGORITHM)
    return fail("malformed", `Only ${ALGORITHM} signatures are accepted`);
  const credential = parseCredential(parameters.get("X-Amz-Credential") ?? "");
  const amzDate = parameters.get("X-Amz-Date") ?? "";
  const expires = Number(parameters.get("X-Amz-Expires"));
  const signedHeaders = parameters.get("X-Amz-SignedHeaders");
  const signature = parameters.get("X-Amz-Signature");
  if (credential === undefined || !signedHeaders || !signature || parseAmzDate(amzDate) === undefined) {
    return fail(
      "malformed",
      "A presigned URL needs X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders and X-Amz-Signature",
    );
  }
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGNED_SECONDS) {
    return fail("malformed", `X-Amz-Expires must be 1 to ${MAX_PRESIGNED_SECONDS} seconds`);
  }
  return {
    ok: true,
    value: {
      ...credential,
      signedHeaders: signedHeaders.split(";"),
      signature,
      amzDate,
      presigned: true,
      expiresSeconds: expires,
    },
  };
}

/** The signature a request carries, from its Authorization header or its presigned query. */
export function parseSignature(request: SignableRequest): SigV4Result<ParsedSignature> {
  const authorization = headerValue(request, "authorization");
  if (authorization?.startsWith("AWS4-")) return fromAuthorizationHeader(request, authorization);
  const parameters = queryParameters(request.query);
  if (parameters.has("X-Amz-Algorithm")) return fromPresignedQuery(parameters);
  return fail("missing", "The request is not signed with AWS Signature Version 4");
}

/** Checks a parsed signature against the access key's secret. */
export function verifySignature(
  parsed: ParsedSignature,
  request: SignableRequest,
  secretAccessKey: string,
  options: VerifyOptions,
): SigV4Result<ParsedSignature> {
  const signedAtMs = parseAmzDate(parsed.amzDate) as number;
  if (parsed.scope.date !== parsed.amzDate.slice(0, 8)) {
    return fail(
      "scope-mismatch",
      `The credential scope date ${parsed.scope.date} is not the request's date ${parsed.amzDate}`,
    );
  }
  if (parsed.scope.service !== options.service) {
    return fail(
      "scope-mismatch",
      `The request is signed for the service "${parsed.scope.service}", not "${options.service}"`,
    );
  }
  if (!parsed.signedHeaders.includes("host")) return fail("malformed", "The host header must be signed");
  if (parsed.presigned) {
    if (options.nowMs > signedAtMs + (parsed.expiresSeconds as number) * 1000) {
      return fail(
        "expired",
        `The presigned URL expired at ${new Date(signedAtMs + (parsed.expiresSeconds as number) * 1000).toISOString()}`,
      );
    }
    if (signedAtMs - options.nowMs > (options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) {
      return fail("skewed", "The presigned URL is dated in the future");
    }
  } else if (Math.abs(options.nowMs - signedAtMs) > (options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) {
    return fail(
      "skewed",
      `Signature expired: ${parsed.amzDate} is more than 15 minutes from the server's time ${new Date(options.nowMs).toISOString()}`,
    );
  }
  const expected = computeSignature({
    request,
    signedHeaders: parsed.signedHeaders,
    payloadHash: options.payloadHash,
    amzDate: parsed.amzDate,
    scope: parsed.scope,
    secretAccessKey,
    options: { ...options.canonical, omitQuery: parsed.presigned ? ["X-Amz-Signature"] : [] },
  });
  const presented = Buffer.from(parsed.signature, "utf8");
  const wanted = Buffer.from(expected, "utf8");
  if (presented.length !== wanted.length || !timingSafeEqual(presented, wanted)) {
    return fail(
      "mismatch",
      "The request signature we calculated does not match the signature you provided. Check your secret access key and signing method.",
    );
  }
  return { ok: true, value: parsed };
}

/** Parse, find the secret, verify: the access key id of a correctly signed request. */
export async function verifyRequest(
  request: SignableRequest,
  secretOf: (accessKeyId: string) => Promise<string | undefined>,
  options: VerifyOptions,
): Promise<SigV4Result<ParsedSignature>> {
  const parsed = parseSignature(request);
  if (!parsed.ok) return parsed;
  const secret = await secretOf(parsed.value.accessKeyId);
  if (secret === undefined) {
    return fail("unknown-key", `The access key id ${parsed.value.accessKeyId} is unknown or revoked`);
  }
  return verifySignature(parsed.value, request, secret, options);
}
