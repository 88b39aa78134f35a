// `s3://bucket/prefix` settings (the bundle store, the blob store), checked once at start.
import { NimbusError } from "../../core/errors.ts";

export interface S3Location {
  readonly bucket: string;
  /** "" or a prefix ending with "/". */
  readonly prefix: string;
}

// Bucket names as S3 allows them (3-63 characters: lower-case letters, digits, dots, hyphens).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export type S3UrlErrorCode = "BUNDLE_STORE_URL_INVALID" | "BLOB_STORE_URL_INVALID";

export function parseS3Url(text: string, errorCode: S3UrlErrorCode): S3Location {
  const match = /^s3:\/\/([^/?#]+)(?:\/([^?#]*))?$/i.exec(text.trim());
  const bucket = match?.[1];
  if (!bucket) throw new NimbusError(errorCode, `"${text}" is not an s3://bucket/prefix URL.`);
  if (!BUCKET.test(bucket)) {
    throw new NimbusError(
      errorCode,
      `"${bucket}" is not a valid bucket name (3 to 63 lower-case letters, digits, dots and hyphens).`,
    );
  }
  const path = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
  return { bucket, prefix: path === "" ? "" : `${path}/` };
}
