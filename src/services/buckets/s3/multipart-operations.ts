// Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
// AbortMultipartUpload and ListParts. Parts are stored durably by MultipartStore; completing
// streams them, in order, into one object through the bucket service (so the object is
// written and committed like any put, and object.created fires as
// ObjectCreated:CompleteMultipartUpload), then removes the upload.
import { NimbusError } from "../../../core/errors.ts";
import type { BucketService } from "../bucket-service.ts";
import { metadataFromHeaders } from "../object-headers.ts";
import { validateObjectKey } from "../object-key.ts";
import {
  MAX_PART_NUMBER,
  MIN_PART_BYTES,
  type MultipartStore,
  type MultipartUpload,
  multipartEtag,
  type StoredPart,
} from "./multipart-store.ts";
import { abortedUpload } from "./object-operations.ts";
import { readSmallBody, requestBody } from "./request-body.ts";
import { S3Error } from "./s3-errors.ts";
import { bucketOf, header, integerParameter, keyOf, type S3Request } from "./s3-request.ts";
import { isoTime, sendEmpty, sendXml } from "./s3-responses.ts";
import { type XmlNode, xmlDocument, xmlItems, xmlText } from "./s3-xml.ts";

export interface MultipartDeps {
  readonly buckets: BucketService;
  readonly multipart: MultipartStore;
  readonly now: () => number;
}

const MAX_COMPLETE_BODY_BYTES = 4 * 1024 * 1024;

function uploadOf(request: S3Request, deps: MultipartDeps): Promise<MultipartUpload> {
  const uploadId = request.query.get("uploadId") ?? "";
  return deps.multipart.get(uploadId, { app: request.app, bucket: bucketOf(request), key: keyOf(request) });
}

export async function createMultipartUpload(request: S3Request, deps: MultipartDeps): Promise<void> {
  deps.buckets.config(request.app, bucketOf(request));
  validateObjectKey(keyOf(request));
  const upload = await deps.multipart.create({
    app: request.app,
    bucket: bucketOf(request),
    key: keyOf(request),
    contentType: header(request, "content-type") ?? "application/octet-stream",
    metadata: metadataFromHeaders(request.req.headers),
    initiatedMs: deps.now(),
  });
  sendXml(
    request,
    xmlDocument("InitiateMultipartUploadResult", [
      ["Bucket", upload.bucket],
      ["Key", upload.key],
      ["UploadId", upload.uploadId],
    ]),
  );
}

export async function uploadPart(request: S3Request, deps: MultipartDeps): Promise<void> {
  const partNumber = integerParameter(request, "partNumber", { min: 1, max: MAX_PART_NUMBER }) as number;
  const upload = await uploadOf(request, deps);
  const body = requestBody(request.req, request.caller);
  let part: StoredPart;
  try {
    part = await deps.multipart.putPart(upload, partNumber, body.stream, body.lengthBytes, deps.now());
  } catch (error) {
    throw abortedUpload(request, error);
  }
  sendEmpty(request, 200, { etag: part.etag });
}

function partsInvalid(s3Code: string, message: string): NimbusError {
  return new NimbusError("MULTIPART_PARTS_INVALID", message, { details: { s3Code } });
}

/** The stored parts the <CompleteMultipartUpload> body names, checked as S3 checks them. */
function chosenParts(xml: string, stored: readonly StoredPart[]): StoredPart[] {
  const byNumber = new Map(stored.map((part) => [part.partNumber, part]));
  const chosen: StoredPart[] = [];
  for (const item of xmlItems(xml, "CompleteMultipartUpload", "Part")) {
    const partNumber = Number(xmlText(item, "PartNumber")?.trim());
    const etag = xmlText(item, "ETag")?.trim().replaceAll('"', "");
    if (!Number.isInteger(partNumber) || etag === undefined)
      throw new NimbusError("BUCKET_REQUEST_INVALID", "Every <Part> needs a <PartNumber> and an <ETag>", {
        details: { s3Code: "MalformedXML" },
      });
    const previous = chosen.at(-1);
    if (previous !== undefined && partNumber <= previous.partNumber)
      throw partsInvalid("InvalidPartOrder", "The list of parts was not in ascending order.");
    const part = byNumber.get(partNumber);
    if (part === undefined || part.etag.replaceAll('"', "") !== etag)
      throw partsInvalid(
        "InvalidPart",
        `Part ${partNumber} was not uploaded, or its ETag is not the one given: upload it again or list the parts`,
      );
    chosen.push(part);
  }
  if (chosen.length === 0)
    throw new NimbusError("BUCKET_REQUEST_INVALID", "A <CompleteMultipartUpload> names at least one part", {
      details: { s3Code: "MalformedXML" },
    });
  const small = chosen.slice(0, -1).find((part) => part.sizeBytes < MIN_PART_BYTES);
  if (small !== undefined)
    throw partsInvalid(
      "EntityTooSmall",
      `Part ${small.partNumber} has ${small.sizeBytes} bytes: every part but the last needs at least ${MIN_PART_BYTES}`,
    );
  return chosen;
}

export async function completeMultipartUpload(request: S3Request, deps: MultipartDeps): Promise<void> {
  const upload = await uploadOf(request, deps);
  const xml = await readSmallBody(request.req, request.caller, MAX_COMPLETE_BODY_BYTES);
  const parts = chosenParts(xml, await deps.multipart.listParts(upload));
  const stored = await deps.buckets.putObject(
    upload.app,
    upload.bucket,
    upload.key,
    deps.multipart.readParts(upload, parts),
    {
      contentType: upload.contentType,
      metadata: upload.metadata,
      contentLengthBytes: parts.reduce((total, part) => total + part.sizeBytes, 0),
      etag: multipartEtag(parts),
      eventDetail: "CompleteMultipartUpload",
    },
  );
  await deps.multipart.remove(upload.uploadId);
  sendXml(
    request,
    xmlDocument("CompleteMultipartUploadResult", [
      ["Location", `${request.path}`],
      ["Bucket", stored.bucket],
      ["Key", stored.key],
      ["ETag", stored.etag],
    ]),
  );
}

export async function abortMultipartUpload(request: S3Request, deps: MultipartDeps): Promise<void> {
  const upload = await uploadOf(request, deps);
  await deps.multipart.remove(upload.uploadId);
  sendEmpty(request, 204);
}

export async function listParts(request: S3Request, deps: MultipartDeps): Promise<void> {
  const upload = await uploadOf(request, deps);
  const maxParts = Math.min(
    integerParameter(request, "max-parts", { min: 0, max: 2 ** 31 - 1 }) ?? 1000,
    1000,
  );
  const marker = integerParameter(request, "part-number-marker", { min: 0, max: MAX_PART_NUMBER }) ?? 0;
  const after = (await deps.multipart.listParts(upload)).filter((part) => part.partNumber > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  const nodes: XmlNode[] = [
    ["Bucket", upload.bucket],
    ["Key", upload.key],
    ["UploadId", upload.uploadId],
    ["PartNumberMarker", marker],
    ["NextPartNumberMarker", page.at(-1)?.partNumber ?? marker],
    ["MaxParts", maxParts],
    ["IsTruncated", truncated],
    ["StorageClass", "STANDARD"],
    ...page.map(
      (part): XmlNode => [
        "Part",
        [
          ["PartNumber", part.partNumber],
          ["LastModified", isoTime(part.lastModifiedMs)],
          ["ETag", part.etag],
          ["Size", part.sizeBytes],
        ],
      ],
    ),
  ];
  sendXml(request, xmlDocument("ListPartsResult", nodes));
}

/** UploadPartCopy is not implemented: refused before anything is read. */
export function refuseUploadPartCopy(): never {
  throw new S3Error(501, "NotImplemented", "UploadPartCopy is not supported: upload the part's bytes");
}
