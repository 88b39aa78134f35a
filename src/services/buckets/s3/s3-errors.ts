// S3's error answers: a status, an S3 code (NoSuchKey, SignatureDoesNotMatch, …) and the
// <Error> document; HEAD answers carry no body. Protocol failures (signatures) are S3Errors
// from the start; the bucket service's NimbusErrors are translated here, so the service keeps
// one set of codes and this endpoint speaks S3's.
import type { ServerResponse } from "node:http";
import { type ErrorCode, NimbusError } from "../../../core/errors.ts";
import { errorDocument } from "./s3-xml.ts";

export class S3Error extends Error {
  readonly status: number;
  readonly s3Code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, s3Code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "S3Error";
    this.status = status;
    this.s3Code = s3Code;
    this.headers = headers;
  }
}

/** Where a NimbusError code lands in S3's vocabulary (status from S3, not from Nimbus). */
const FROM_NIMBUS: Partial<Record<ErrorCode, readonly [status: number, s3Code: string]>> = {
  APP_NOT_FOUND: [404, "NoSuchBucket"],
  BUCKET_NOT_FOUND: [404, "NoSuchBucket"],
  OBJECT_NOT_FOUND: [404, "NoSuchKey"],
  OBJECT_KEY_INVALID: [400, "InvalidArgument"],
  OBJECT_RANGE_NOT_SATISFIABLE: [416, "InvalidRange"],
  OBJECT_PRECONDITION_FAILED: [412, "PreconditionFailed"],
  OBJECT_WRITE_ABORTED: [400, "IncompleteBody"],
  ACCESS_DENIED: [403, "AccessDenied"],
  BUCKET_NOT_EMPTY: [409, "BucketNotEmpty"],
  BUCKET_MANAGED_BY_MANIFEST: [405, "MethodNotAllowed"],
  MULTIPART_UPLOAD_NOT_FOUND: [404, "NoSuchUpload"],
  MULTIPART_PARTS_INVALID: [400, "InvalidPart"],
  PAYLOAD_DIGEST_MISMATCH: [400, "BadDigest"],
  BUCKET_REQUEST_INVALID: [400, "InvalidRequest"],
  BAD_REQUEST: [400, "InvalidRequest"],
  PAYLOAD_TOO_LARGE: [400, "EntityTooLarge"],
};

/** The S3 answer for anything thrown; undefined for errors that are the platform's own. */
export function toS3Error(error: unknown): S3Error | undefined {
  if (error instanceof S3Error) return error;
  if (!(error instanceof NimbusError)) return undefined;
  const mapped = FROM_NIMBUS[error.code];
  if (mapped === undefined)
    return error.expose ? new S3Error(400, "InvalidRequest", error.message) : undefined;
  // A service may name the precise S3 code (InvalidPartOrder, XAmzContentSHA256Mismatch, …).
  const precise = (error.details as { s3Code?: unknown } | undefined)?.s3Code;
  const headers = { ...error.headers };
  const size = (error.details as { sizeBytes?: unknown } | undefined)?.sizeBytes;
  if (error.code === "OBJECT_RANGE_NOT_SATISFIABLE" && typeof size === "number")
    headers["content-range"] = `bytes */${size}`;
  return new S3Error(mapped[0], typeof precise === "string" ? precise : mapped[1], error.message, headers);
}

export const INTERNAL_ERROR = new S3Error(
  500,
  "InternalError",
  "We encountered an internal error. Please try again.",
);

export interface ErrorContext {
  readonly requestId: string;
  /** The request's path, as S3's <Resource>. */
  readonly resource: string;
  readonly bucket?: string | undefined;
  readonly key?: string | undefined;
  readonly method: string;
}

export function sendS3Error(res: ServerResponse, error: S3Error, context: ErrorContext): void {
  const headers: Record<string, string> = { ...error.headers, "x-amz-request-id": context.requestId };
  if (context.method === "HEAD") {
    res.writeHead(error.status, { ...headers, "content-length": "0" });
    res.end();
    return;
  }
  const body = Buffer.from(
    errorDocument([
      ["Code", error.s3Code],
      ["Message", error.message],
      ["BucketName", context.bucket],
      ["Key", context.key],
      ["Resource", context.resource],
      ["RequestId", context.requestId],
    ]),
  );
  res.writeHead(error.status, {
    ...headers,
    "content-type": "application/xml",
    "content-length": String(body.byteLength),
  });
  res.end(body);
}
