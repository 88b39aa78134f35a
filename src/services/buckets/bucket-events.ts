// Object changes become function calls: each function whose `events: - bucket:` trigger matches
// the change (event name, key prefix and suffix) gets an S3-shaped event (one record) through
// the async invocation service, the platform's one delivery path, with its retries, DLQ and
// destinations. The idempotency key is the blob written or removed, so a repeated
// notification of one change is stored once.
import type { BucketEventName } from "../../core/manifest/buckets.ts";
import type { FunctionConfig } from "../../core/manifest/normalize.ts";
import type { BucketObjectRecord } from "../../store/bucket-object-ports.ts";

export interface ObjectChange {
  readonly name: BucketEventName;
  /** S3's finer name: ObjectCreated:Put, ObjectCreated:Copy, ObjectCreated:CompleteMultipartUpload,
   * ObjectRemoved:Delete. */
  readonly detail: "Put" | "Copy" | "CompleteMultipartUpload" | "Delete";
  readonly object: BucketObjectRecord;
  readonly atMs: number;
}

export interface ObjectEventDelivery {
  readonly app: string;
  readonly functionName: string;
  readonly payload: Uint8Array;
  readonly idempotencyKey: string;
}

/** S3 writes keys in event records URL-encoded, with '+' for spaces. */
function s3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");
}

export function s3EventRecord(functionName: string, change: ObjectChange) {
  const { object } = change;
  const created = change.name === "object.created";
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: "local",
    eventTime: new Date(change.atMs).toISOString(),
    eventName: `${created ? "ObjectCreated" : "ObjectRemoved"}:${change.detail}`,
    userIdentity: { principalId: "nimbus" },
    requestParameters: { sourceIPAddress: "127.0.0.1" },
    responseElements: {},
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: `${functionName}-${object.bucket}`,
      bucket: {
        name: object.bucket,
        ownerIdentity: { principalId: object.app },
        arn: `arn:aws:s3:::${object.bucket}`,
      },
      object: {
        key: s3EventKey(object.key),
        ...(created ? { size: object.sizeBytes, eTag: object.etag.replaceAll('"', "") } : {}),
        sequencer: change.atMs.toString(16).toUpperCase().padStart(16, "0"),
      },
    },
  };
}

/** The deliveries a change causes: one per function whose trigger matches it. */
export function deliveriesFor(
  functions: Readonly<Record<string, FunctionConfig>>,
  change: ObjectChange,
): ObjectEventDelivery[] {
  const deliveries: ObjectEventDelivery[] = [];
  for (const fn of Object.values(functions)) {
    const matches = (fn.bucketTriggers ?? []).some(
      (trigger) =>
        trigger.bucket === change.object.bucket &&
        trigger.on.includes(change.name) &&
        change.object.key.startsWith(trigger.prefix) &&
        change.object.key.endsWith(trigger.suffix),
    );
    if (!matches) continue;
    deliveries.push({
      app: change.object.app,
      functionName: fn.name,
      payload: Buffer.from(JSON.stringify({ Records: [s3EventRecord(fn.name, change)] })),
      idempotencyKey: `bucket-event:${change.name}:${change.object.blobId}`,
    });
  }
  return deliveries;
}
