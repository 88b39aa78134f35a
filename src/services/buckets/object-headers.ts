// Object metadata <-> HTTP headers, shared by the HTTP API's object routes.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { BucketObjectRecord } from "../../store/bucket-object-ports.ts";
import type { ConditionHeaders } from "./http-conditions.ts";

/** User metadata arrives as x-nimbus-meta-<name> (or S3's x-amz-meta-<name>). */
const META_PREFIXES = ["x-nimbus-meta-", "x-amz-meta-"];

export function metadataFromHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const prefix = META_PREFIXES.find((each) => name.startsWith(each));
    if (prefix && typeof value === "string") metadata[name.slice(prefix.length)] = value;
  }
  return metadata;
}

export function conditionsFromHeaders(headers: IncomingHttpHeaders): ConditionHeaders {
  const one = (name: string) => {
    const value = headers[name];
    return typeof value === "string" ? value : undefined;
  };
  return {
    ifMatch: one("if-match"),
    ifNoneMatch: one("if-none-match"),
    ifModifiedSince: one("if-modified-since"),
    ifUnmodifiedSince: one("if-unmodified-since"),
  };
}

/** The headers describing a stored object (Content-Length is set by the caller: ranges change it). */
export function objectHeaders(record: BucketObjectRecord): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    etag: record.etag,
    "last-modified": new Date(record.lastModifiedMs).toUTCString(),
    "content-type": record.contentType,
    "accept-ranges": "bytes",
  };
  for (const [name, value] of Object.entries(record.metadata)) headers[`x-nimbus-meta-${name}`] = value;
  return headers;
}

/** The JSON view of an object in listings and put/copy answers. */
export function objectView(record: BucketObjectRecord) {
  return {
    key: record.key,
    sizeBytes: record.sizeBytes,
    etag: record.etag,
    contentType: record.contentType,
    lastModified: new Date(record.lastModifiedMs).toISOString(),
    metadata: record.metadata,
  };
}
