// The bucket-level S3 operations. Buckets are the ones the app's nimbus.yaml declares (the
// manifest stays the one source of truth): CreateBucket succeeds for a declared bucket and is
// refused for any other; DeleteBucket answers BucketNotEmpty, or that the manifest owns it.
import { NimbusError } from "../../../core/errors.ts";
import { type BucketService, MAX_LIST_KEYS } from "../bucket-service.ts";
import { S3Error } from "./s3-errors.ts";
import { bucketOf, integerParameter, type S3Request } from "./s3-request.ts";
import { isoTime, sendEmpty, sendXml } from "./s3-responses.ts";
import { type XmlNode, xmlDocument } from "./s3-xml.ts";

export interface BucketDeps {
  readonly buckets: BucketService;
}

/** Buckets have no creation time of their own (they exist while the manifest declares them). */
const CREATION_DATE = isoTime(0);

export function listBuckets(request: S3Request, deps: BucketDeps): Promise<void> {
  const buckets = deps.buckets.list(request.app);
  const owner: XmlNode[] = [
    ["ID", request.app],
    ["DisplayName", request.app],
  ];
  sendXml(
    request,
    xmlDocument("ListAllMyBucketsResult", [
      ["Owner", owner],
      [
        "Buckets",
        buckets.map(
          (bucket): XmlNode => [
            "Bucket",
            [
              ["Name", bucket.name],
              ["CreationDate", CREATION_DATE],
            ],
          ],
        ),
      ],
    ]),
  );
  return Promise.resolve();
}

export function createBucket(request: S3Request, deps: BucketDeps): Promise<void> {
  const bucket = bucketOf(request);
  try {
    deps.buckets.config(request.app, bucket);
  } catch (error) {
    if (!(error instanceof NimbusError) || error.code !== "BUCKET_NOT_FOUND") throw error;
    throw new NimbusError(
      "BUCKET_MANAGED_BY_MANIFEST",
      `The app "${request.app}" declares no bucket "${bucket}": declare it under 'buckets:' in nimbus.yaml and deploy`,
    );
  }
  sendEmpty(request, 200, { location: `/${bucket}` });
  return Promise.resolve();
}

export function headBucket(request: S3Request, deps: BucketDeps): Promise<void> {
  deps.buckets.config(request.app, bucketOf(request));
  sendEmpty(request, 200, { "x-amz-bucket-region": "local" });
  return Promise.resolve();
}

export async function deleteBucket(request: S3Request, deps: BucketDeps): Promise<void> {
  const bucket = bucketOf(request);
  const page = await deps.buckets.listObjects(request.app, bucket, { maxKeys: 1 });
  if (page.objects.length > 0)
    throw new NimbusError("BUCKET_NOT_EMPTY", `The bucket "${bucket}" has objects; delete them first`);
  throw new NimbusError(
    "BUCKET_MANAGED_BY_MANIFEST",
    `The bucket "${bucket}" is declared in the app's nimbus.yaml: remove it there and deploy`,
  );
}

// Continuation tokens are the key to continue after, base64url-encoded (opaque to clients).
const encodeToken = (key: string) => Buffer.from(key, "utf8").toString("base64url");
function decodeToken(token: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(token))
    throw new S3Error(400, "InvalidArgument", "The continuation token provided is incorrect");
  return Buffer.from(token, "base64url").toString("utf8");
}

export async function listObjectsV2(request: S3Request, deps: BucketDeps): Promise<void> {
  const { query } = request;
  deps.buckets.config(request.app, bucketOf(request));
  const encodingType = query.get("encoding-type") ?? undefined;
  if (encodingType !== undefined && encodingType !== "url")
    throw new S3Error(400, "InvalidArgument", "Invalid Encoding Method specified in Request");
  const encode = (value: string | undefined) =>
    value === undefined || encodingType === undefined
      ? value
      : encodeURIComponent(value).replace(/%2F/g, "/");
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") || undefined;
  const maxKeys = Math.min(
    integerParameter(request, "max-keys", { min: 0, max: 2 ** 31 - 1 }) ?? MAX_LIST_KEYS,
    MAX_LIST_KEYS,
  );
  const token = query.get("continuation-token") ?? undefined;
  const startAfter = query.get("start-after") ?? undefined;
  const listing =
    maxKeys === 0
      ? { objects: [], commonPrefixes: [], nextStartAfter: undefined }
      : await deps.buckets.listObjects(request.app, bucketOf(request), {
          prefix,
          delimiter,
          startAfter: token === undefined ? startAfter : decodeToken(token),
          maxKeys,
        });
  const nodes: XmlNode[] = [
    ["Name", bucketOf(request)],
    ["Prefix", encode(prefix)],
    ["Delimiter", encode(delimiter)],
    ["MaxKeys", maxKeys],
    ["EncodingType", encodingType],
    ["KeyCount", listing.objects.length + listing.commonPrefixes.length],
    ["IsTruncated", listing.nextStartAfter !== undefined],
    ["ContinuationToken", token],
    [
      "NextContinuationToken",
      listing.nextStartAfter === undefined ? undefined : encodeToken(listing.nextStartAfter),
    ],
    ["StartAfter", encode(startAfter)],
    ...listing.objects.map(
      (object): XmlNode => [
        "Contents",
        [
          ["Key", encode(object.key)],
          ["LastModified", isoTime(object.lastModifiedMs)],
          ["ETag", object.etag],
          ["Size", object.sizeBytes],
          ["StorageClass", "STANDARD"],
        ],
      ],
    ),
    ...listing.commonPrefixes.map((common): XmlNode => ["CommonPrefixes", [["Prefix", encode(common)]]]),
  ];
  sendXml(request, xmlDocument("ListBucketResult", nodes));
}
