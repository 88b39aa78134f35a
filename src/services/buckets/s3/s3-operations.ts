// The S3 operations this endpoint serves, in one table: each names its IAM action (the one
// authorization point checks it on every resource the operation touches before it runs), the
// resources, and its handler. `selectOperation` picks one from the method, the path
// (bucket, key) and the sub-resource in the query, as S3 does; anything else is NotImplemented.
import type { IncomingHttpHeaders } from "node:http";
import type { BucketService } from "../bucket-service.ts";
import { createBucket, deleteBucket, headBucket, listBuckets, listObjectsV2 } from "./bucket-operations.ts";
import {
  type DeleteRequest,
  deleteObjects,
  deleteObjectsResources,
  readDeleteRequest,
} from "./delete-objects.ts";
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listParts,
  refuseUploadPartCopy,
  uploadPart,
} from "./multipart-operations.ts";
import type { MultipartStore } from "./multipart-store.ts";
import { copyObject, copySourceOf, deleteObject, getObject, putObject } from "./object-operations.ts";
import { S3Error } from "./s3-errors.ts";
import {
  allBucketsResource,
  bucketResource,
  objectResource,
  type S3Request,
  type S3Target,
} from "./s3-request.ts";

export interface S3Deps {
  readonly buckets: BucketService;
  readonly multipart: MultipartStore;
  readonly now: () => number;
}

export interface S3Check {
  readonly action: string;
  readonly resource: string;
}

export interface S3Operation {
  readonly name: string;
  /** The IAM action, checked on every resource below. */
  readonly action: string;
  /** Reads what authorization needs first (DeleteObjects names its keys in the body). */
  readonly prepare?: (request: S3Request) => Promise<unknown>;
  readonly resources: (request: S3Request, prepared: unknown) => string[];
  /** Further rights the operation needs (CopyObject: GetObject on its source). */
  readonly alsoNeeds?: (request: S3Request) => S3Check[];
  readonly run: (request: S3Request, deps: S3Deps, prepared: unknown) => Promise<void>;
}

const onBucket = (request: S3Request) => [bucketResource(request)];
const onObject = (request: S3Request) => [objectResource(request)];

export const S3_OPERATIONS = {
  ListBuckets: {
    name: "ListBuckets",
    action: "buckets:ListBuckets",
    resources: (request) => [allBucketsResource(request)],
    run: listBuckets,
  },
  CreateBucket: {
    name: "CreateBucket",
    action: "buckets:CreateBucket",
    resources: onBucket,
    run: createBucket,
  },
  HeadBucket: { name: "HeadBucket", action: "buckets:ListObjects", resources: onBucket, run: headBucket },
  DeleteBucket: {
    name: "DeleteBucket",
    action: "buckets:DeleteBucket",
    resources: onBucket,
    run: deleteBucket,
  },
  ListObjectsV2: {
    name: "ListObjectsV2",
    action: "buckets:ListObjects",
    resources: onBucket,
    run: listObjectsV2,
  },
  DeleteObjects: {
    name: "DeleteObjects",
    action: "buckets:DeleteObject",
    prepare: readDeleteRequest,
    resources: (request, prepared) => deleteObjectsResources(request, prepared as DeleteRequest),
    run: (request, deps, prepared) => deleteObjects(request, prepared as DeleteRequest, deps),
  },
  PutObject: { name: "PutObject", action: "buckets:PutObject", resources: onObject, run: putObject },
  CopyObject: {
    name: "CopyObject",
    action: "buckets:PutObject",
    resources: onObject,
    alsoNeeds: (request) => {
      const source = copySourceOf(request);
      return [{ action: "buckets:GetObject", resource: objectResource(request, source.bucket, source.key) }];
    },
    run: copyObject,
  },
  GetObject: { name: "GetObject", action: "buckets:GetObject", resources: onObject, run: getObject },
  HeadObject: { name: "HeadObject", action: "buckets:GetObject", resources: onObject, run: getObject },
  DeleteObject: {
    name: "DeleteObject",
    action: "buckets:DeleteObject",
    resources: onObject,
    run: deleteObject,
  },
  CreateMultipartUpload: {
    name: "CreateMultipartUpload",
    action: "buckets:PutObject",
    resources: onObject,
    run: createMultipartUpload,
  },
  UploadPart: { name: "UploadPart", action: "buckets:PutObject", resources: onObject, run: uploadPart },
  UploadPartCopy: {
    name: "UploadPartCopy",
    action: "buckets:PutObject",
    resources: onObject,
    run: async () => refuseUploadPartCopy(),
  },
  CompleteMultipartUpload: {
    name: "CompleteMultipartUpload",
    action: "buckets:PutObject",
    resources: onObject,
    run: completeMultipartUpload,
  },
  AbortMultipartUpload: {
    name: "AbortMultipartUpload",
    action: "buckets:AbortMultipartUpload",
    resources: onObject,
    run: abortMultipartUpload,
  },
  ListParts: {
    name: "ListParts",
    action: "buckets:ListMultipartUploadParts",
    resources: onObject,
    run: listParts,
  },
} as const satisfies Record<string, S3Operation>;

export type S3OperationName = keyof typeof S3_OPERATIONS;

/** S3 sub-resources this endpoint does not implement (?acl, ?tagging, …). */
const UNSUPPORTED_SUBRESOURCES = [
  "accelerate",
  "acl",
  "analytics",
  "attributes",
  "cors",
  "encryption",
  "intelligent-tiering",
  "inventory",
  "legal-hold",
  "lifecycle",
  "location",
  "logging",
  "metrics",
  "notification",
  "object-lock",
  "ownershipControls",
  "policy",
  "policyStatus",
  "publicAccessBlock",
  "replication",
  "requestPayment",
  "restore",
  "retention",
  "select",
  "tagging",
  "torrent",
  "versioning",
  "versions",
  "versionId",
  "website",
];

function notImplemented(what: string): S3Error {
  return new S3Error(501, "NotImplemented", `${what} is not implemented by the Nimbus S3 endpoint`);
}

function bucketOperation(method: string, query: URLSearchParams): S3OperationName {
  if (method === "GET" && query.has("uploads")) throw notImplemented("ListMultipartUploads");
  if (method === "GET") {
    if (query.get("list-type") !== "2")
      throw notImplemented("ListObjects (version 1): use ListObjectsV2; it");
    return "ListObjectsV2";
  }
  if (method === "PUT") return "CreateBucket";
  if (method === "HEAD") return "HeadBucket";
  if (method === "DELETE") return "DeleteBucket";
  if (method === "POST" && query.has("delete")) return "DeleteObjects";
  throw new S3Error(405, "MethodNotAllowed", `${method} is not allowed on a bucket`);
}

function objectOperation(
  method: string,
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
): S3OperationName {
  const uploadId = query.has("uploadId");
  switch (method) {
    case "PUT":
      if (uploadId) return headers["x-amz-copy-source"] === undefined ? "UploadPart" : "UploadPartCopy";
      return headers["x-amz-copy-source"] === undefined ? "PutObject" : "CopyObject";
    case "GET":
      return uploadId ? "ListParts" : "GetObject";
    case "HEAD":
      return "HeadObject";
    case "DELETE":
      return uploadId ? "AbortMultipartUpload" : "DeleteObject";
    case "POST":
      if (query.has("uploads")) return "CreateMultipartUpload";
      if (uploadId) return "CompleteMultipartUpload";
      throw notImplemented("POST object uploads (browser forms)");
    default:
      throw new S3Error(405, "MethodNotAllowed", `${method} is not allowed on an object`);
  }
}

export function selectOperation(target: S3Target, method: string, headers: IncomingHttpHeaders): S3Operation {
  const unsupported = UNSUPPORTED_SUBRESOURCES.find((name) => target.query.has(name));
  if (unsupported !== undefined) throw notImplemented(`The ?${unsupported} sub-resource`);
  if (target.bucket === undefined) {
    if (method !== "GET")
      throw new S3Error(405, "MethodNotAllowed", `${method} is not allowed on the service`);
    return S3_OPERATIONS.ListBuckets;
  }
  return S3_OPERATIONS[
    target.key === undefined
      ? bucketOperation(method, target.query)
      : objectOperation(method, target.query, headers)
  ];
}
