// Writing S3 answers: XML documents, empty answers, and the headers that describe an object.
import type { OutgoingHttpHeaders } from "node:http";
import type { BucketObjectRecord } from "../../../store/bucket-object-ports.ts";
import type { S3Request } from "./s3-request.ts";

export function sendXml(
  request: S3Request,
  xml: string,
  status = 200,
  headers: OutgoingHttpHeaders = {},
): void {
  const body = Buffer.from(xml);
  request.res.writeHead(status, {
    ...headers,
    "x-amz-request-id": request.requestId,
    "content-type": "application/xml",
    "content-length": String(body.byteLength),
  });
  request.res.end(body);
}

export function sendEmpty(request: S3Request, status: number, headers: OutgoingHttpHeaders = {}): void {
  // HEAD answers say the object's length; nothing else has a body.
  request.res.writeHead(status, { "content-length": "0", ...headers, "x-amz-request-id": request.requestId });
  request.res.end();
}

/** S3 answers times in listings as ISO 8601 with milliseconds. */
export const isoTime = (ms: number) => new Date(ms).toISOString();

/** Query parameters a (presigned) GET may use to set the answer's headers. */
const RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {
  "response-content-type": "content-type",
  "response-content-language": "content-language",
  "response-expires": "expires",
  "response-cache-control": "cache-control",
  "response-content-disposition": "content-disposition",
  "response-content-encoding": "content-encoding",
};

/** ETag, Last-Modified, Content-Type, x-amz-meta-*; Content-Length is the caller's (ranges). */
export function objectHeaders(request: S3Request, record: BucketObjectRecord): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    etag: record.etag,
    "last-modified": new Date(record.lastModifiedMs).toUTCString(),
    "content-type": record.contentType,
    "accept-ranges": "bytes",
  };
  for (const [name, value] of Object.entries(record.metadata)) headers[`x-amz-meta-${name}`] = value;
  for (const [parameter, name] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = request.query.get(parameter);
    if (value !== null) headers[name] = value;
  }
  return headers;
}
