// The S3-compatible endpoint (see ARCHITECTURE.md).

export { MultipartStore } from "./multipart-store.ts";
export { createS3Api, type S3ApiHandler, type S3ApiOptions } from "./s3-api.ts";
export { S3_OPERATIONS, type S3Operation, type S3OperationName } from "./s3-operations.ts";
export { S3_API_PREFIX } from "./s3-request.ts";
