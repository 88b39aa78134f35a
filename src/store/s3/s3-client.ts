// The AWS SDK client for S3-compatible stores, configured from the SDK's standard sources
// (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
// profiles, IAM roles).
import { S3Client } from "@aws-sdk/client-s3";

export function defaultS3Client(): S3Client {
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return new S3Client({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
    // S3-compatible servers (MinIO, Ceph, SeaweedFS) behind a custom endpoint rarely serve
    // virtual-hosted bucket names; AWS itself needs none of this.
    forcePathStyle: endpoint !== undefined,
    // Newer SDKs add CRC checksums to every request by default, which several S3-compatible
    // servers refuse; send them only where the API requires them.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

export function isNotFound(error: unknown): boolean {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === "NoSuchKey" || name === "NotFound" || $metadata?.httpStatusCode === 404;
}

/** "NoSuchBucket: The specified bucket does not exist" — for error messages. */
export function describeS3Error(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
