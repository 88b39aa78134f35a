// PutObject, GetObject, HeadObject, DeleteObject and CopyObject over the bucket service, so
// S3 writes keep the service's invariants (temp file, fsync, rename, then the row; events
// through the one delivery path) and reads its ranges and conditions.
import { pipeline } from "node:stream/promises";
import { NimbusError } from "../../../core/errors.ts";
import type { BucketService } from "../bucket-service.ts";
import { evaluateConditions, parseByteRange } from "../http-conditions.ts";
import { conditionsFromHeaders, metadataFromHeaders } from "../object-headers.ts";
import { requestBody } from "./request-body.ts";
import { S3Error } from "./s3-errors.ts";
import { bucketOf, header, keyOf, type S3Request } from "./s3-request.ts";
import { isoTime, objectHeaders, sendEmpty, sendXml } from "./s3-responses.ts";
import { xmlDocument } from "./s3-xml.ts";

export interface ObjectDeps {
  readonly buckets: BucketService;
}

/** A body stream that failed because the client went away is an aborted upload. */
export function abortedUpload(request: S3Request, error: unknown): unknown {
  if (error instanceof NimbusError || error instanceof S3Error || !request.req.destroyed) return error;
  return new NimbusError("OBJECT_WRITE_ABORTED", "The upload's connection closed before its body ended");
}

export async function putObject(request: S3Request, deps: ObjectDeps): Promise<void> {
  const body = requestBody(request.req, request.caller);
  let stored: Awaited<ReturnType<BucketService["putObject"]>>;
  try {
    stored = await deps.buckets.putObject(request.app, bucketOf(request), keyOf(request), body.stream, {
      contentType: header(request, "content-type"),
      metadata: metadataFromHeaders(request.req.headers),
      contentLengthBytes: body.lengthBytes,
    });
  } catch (error) {
    throw abortedUpload(request, error);
  }
  sendEmpty(request, 200, { etag: stored.etag });
}

/** GetObject and HeadObject: conditions (304/412), one byte range (206/416), the bytes streamed. */
export async function getObject(request: S3Request, deps: ObjectDeps): Promise<void> {
  const record = await deps.buckets.headObject(request.app, bucketOf(request), keyOf(request));
  if (evaluateConditions(conditionsFromHeaders(request.req.headers), record) === "not-modified") {
    sendEmpty(request, 304, {
      etag: record.etag,
      "last-modified": new Date(record.lastModifiedMs).toUTCString(),
    });
    return;
  }
  const range = parseByteRange(header(request, "range"), record.sizeBytes);
  if (request.method === "HEAD") {
    sendEmpty(request, 200, {
      ...objectHeaders(request, record),
      "content-length": String(record.sizeBytes),
    });
    return;
  }
  const opened = await deps.buckets.openObject(record, range);
  const headers = objectHeaders(request, opened.record);
  if (range === undefined) {
    request.res.writeHead(200, {
      ...headers,
      "x-amz-request-id": request.requestId,
      "content-length": String(opened.record.sizeBytes),
    });
  } else {
    request.res.writeHead(206, {
      ...headers,
      "x-amz-request-id": request.requestId,
      "content-range": `bytes ${range.start}-${range.endInclusive}/${opened.record.sizeBytes}`,
      "content-length": String(range.endInclusive - range.start + 1),
    });
  }
  await pipeline(opened.stream, request.res);
}

export async function deleteObject(request: S3Request, deps: ObjectDeps): Promise<void> {
  await deps.buckets.deleteObject(request.app, bucketOf(request), keyOf(request));
  sendEmpty(request, 204);
}

/** x-amz-copy-source: "<bucket>/<key>" or "/<bucket>/<key>", URL-encoded; versions are not kept. */
export function copySourceOf(request: S3Request): { bucket: string; key: string } {
  const raw = header(request, "x-amz-copy-source") ?? "";
  const [path = "", version] = raw.split("?");
  if (version !== undefined && !/^versionId=(null)?$/.test(version))
    throw new S3Error(
      501,
      "NotImplemented",
      "Object versions are not kept: x-amz-copy-source cannot name one",
    );
  let decoded: string;
  try {
    decoded = decodeURIComponent(path).replace(/^\//, "");
  } catch {
    throw new S3Error(400, "InvalidArgument", "x-amz-copy-source is not URL-encoded correctly");
  }
  const slash = decoded.indexOf("/");
  if (slash <= 0 || slash === decoded.length - 1)
    throw new S3Error(400, "InvalidArgument", "x-amz-copy-source must be <bucket>/<key>");
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

export async function copyObject(request: S3Request, deps: ObjectDeps): Promise<void> {
  const source = copySourceOf(request);
  const directive = header(request, "x-amz-metadata-directive") ?? "COPY";
  if (directive !== "COPY" && directive !== "REPLACE")
    throw new S3Error(400, "InvalidArgument", "x-amz-metadata-directive must be COPY or REPLACE");
  const target = { bucket: bucketOf(request), key: keyOf(request) };
  if (directive === "COPY" && source.bucket === target.bucket && source.key === target.key) {
    throw new S3Error(
      400,
      "InvalidRequest",
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata.",
    );
  }
  const copied = await deps.buckets.copyObject(
    request.app,
    source,
    target,
    directive === "REPLACE"
      ? { contentType: header(request, "content-type"), metadata: metadataFromHeaders(request.req.headers) }
      : undefined,
  );
  sendXml(
    request,
    xmlDocument("CopyObjectResult", [
      ["LastModified", isoTime(copied.lastModifiedMs)],
      ["ETag", copied.etag],
    ]),
  );
}
