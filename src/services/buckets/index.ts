// Buckets: object storage declared in the manifest (see ARCHITECTURE.md).

export {
  deliveriesFor,
  type ObjectChange,
  type ObjectEventDelivery,
  s3EventRecord,
} from "./bucket-events.ts";
export {
  BUCKET_EXPIRY_INTERVAL_MS,
  BUCKET_EXPIRY_LEASE,
  type BucketExpiryOptions,
  createBucketExpiry,
  sweepExpiredObjects,
} from "./bucket-expiry.ts";
export { type BucketRouteDeps, registerBucketRoutes } from "./bucket-routes.ts";
export {
  BucketService,
  type BucketServiceOptions,
  type ListObjectsRequest,
  MAX_LIST_KEYS,
  type ObjectListing,
  type PutObjectOptions,
} from "./bucket-service.ts";
export { type ByteRange, evaluateConditions, parseByteRange } from "./http-conditions.ts";
export { MAX_KEY_BYTES, validateObjectKey } from "./object-key.ts";
export { MAX_PRESIGN_SECONDS, type PresignedMethod, PresignedUrls } from "./presigned-urls.ts";
export { type PublicObjectRouteDeps, registerPublicObjectRoutes } from "./public-object-routes.ts";
export { createWebsiteHandler, type WebsiteHandler, type WebsiteHandlerOptions } from "./website-handler.ts";
