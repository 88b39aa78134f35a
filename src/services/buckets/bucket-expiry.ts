// The expiry sweep: deletes objects whose bucket's `expiry:` rule (by key prefix) says they are
// older than allowed. It runs on one node at a time, under the cluster's
// "nimbus.bucket-expiry" lease. Objects past their age stay readable until the sweep reaches
// them (at most one interval), as in S3's lifecycle rules.
import { Singleton } from "../../cluster/index.ts";
import type { LeaseStore } from "../../store/ports.ts";
import type { BucketService } from "./bucket-service.ts";

export const BUCKET_EXPIRY_LEASE = "nimbus.bucket-expiry";
export const BUCKET_EXPIRY_INTERVAL_MS = 60_000;

export interface BucketExpiryOptions {
  readonly service: BucketService;
  readonly leases: LeaseStore;
  readonly nodeId: string;
  readonly leaseTtlMs: number;
  /** The live apps, each with its buckets that declare expiry rules. */
  readonly bucketsWithExpiry: () => { readonly app: string; readonly buckets: readonly string[] }[];
  readonly everyMs?: number;
  readonly onError: (error: unknown) => void;
}

/** One pass over every bucket with expiry rules; answers how many objects it deleted. */
export async function sweepExpiredObjects(
  options: Pick<BucketExpiryOptions, "service" | "bucketsWithExpiry">,
  nowMs = Date.now(),
): Promise<number> {
  let deleted = 0;
  for (const { app, buckets } of options.bucketsWithExpiry())
    for (const bucket of buckets) deleted += await options.service.expire(app, bucket, nowMs);
  return deleted;
}

export function createBucketExpiry(options: BucketExpiryOptions): Singleton {
  return new Singleton({
    leases: options.leases,
    name: BUCKET_EXPIRY_LEASE,
    holder: options.nodeId,
    ttlMs: options.leaseTtlMs,
    task: {
      everyMs: options.everyMs ?? BUCKET_EXPIRY_INTERVAL_MS,
      run: async () => {
        await sweepExpiredObjects(options);
      },
    },
    onError: options.onError,
  });
}
