// The `buckets:` section of nimbus.yaml: object storage buckets, their schema and their
// normalized, typed config. Names follow S3's rules so that a bucket can later be served
// unchanged through the S3-compatible endpoint.
import { z } from "zod";
import { parseDuration } from "../durations.ts";
import { type BucketWebsiteConfig, bucketWebsiteSchema, normalizeBucketWebsite } from "./bucket-website.ts";
import { durationField } from "./duration-schema.ts";

/** S3's bucket names, without dots (they break virtual-host style TLS names). */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

const bucketCors = z.strictObject({
  allowOrigins: z
    .array(z.string().min(1))
    .min(1)
    .describe("Origins allowed to call the bucket ('*' for any)."),
  allowMethods: z
    .array(z.enum(["GET", "PUT", "HEAD", "DELETE", "POST"]))
    .optional()
    .describe("Methods allowed (default GET and HEAD)."),
  allowHeaders: z.array(z.string().min(1)).optional().describe("Request headers allowed (default any)."),
  maxAge: durationField("how long browsers may cache a preflight answer").optional(),
});

const expiryRule = z.strictObject({
  prefix: z.string().describe("Keys starting with this prefix ('' for every key)."),
  after: durationField("how long after its last write an object is deleted"),
});

export const bucketSchema = z
  .strictObject({
    access: z
      .enum(["private", "public-read"])
      .optional()
      .describe(
        "private (default): every read needs credentials; public-read: anyone may GET and HEAD objects.",
      ),
    cors: bucketCors.optional().describe("CORS for browsers calling the bucket's object URLs."),
    expiry: z
      .array(expiryRule)
      .optional()
      .describe("Objects deleted some time after their last write, by prefix."),
    website: bucketWebsiteSchema.optional(),
  })
  .describe("An object storage bucket.");

export const bucketsSchema = z
  .record(
    z.string().regex(BUCKET_NAME, "bucket names are 3-63 lower-case letters, digits and -"),
    bucketSchema,
  )
  .describe("The app's buckets by name.");

export type BucketDocument = z.infer<typeof bucketSchema>;

export interface BucketCorsConfig {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[] | undefined;
  readonly maxAgeSeconds: number | undefined;
}

export interface BucketExpiryRule {
  readonly prefix: string;
  readonly afterMs: number;
}

export interface BucketConfig {
  readonly name: string;
  readonly access: "private" | "public-read";
  readonly cors: BucketCorsConfig | undefined;
  readonly expiry: readonly BucketExpiryRule[];
  /** Served read-only without credentials under a route of the app (bucket-website.ts). */
  readonly website: BucketWebsiteConfig | undefined;
}

function normalizeBucket(name: string, doc: BucketDocument): BucketConfig {
  const cors = doc.cors && {
    allowOrigins: doc.cors.allowOrigins,
    allowMethods: doc.cors.allowMethods ?? ["GET", "HEAD"],
    allowHeaders: doc.cors.allowHeaders,
    maxAgeSeconds: doc.cors.maxAge
      ? Math.floor((parseDuration(doc.cors.maxAge) as number) / 1000)
      : undefined,
  };
  return {
    name,
    access: doc.access ?? "private",
    cors,
    expiry: (doc.expiry ?? []).map((rule) => ({
      prefix: rule.prefix,
      afterMs: parseDuration(rule.after) as number,
    })),
    website: normalizeBucketWebsite(doc.website),
  };
}

export function normalizeBuckets(
  docs: Readonly<Record<string, BucketDocument>> | undefined,
): Record<string, BucketConfig> {
  const buckets: Record<string, BucketConfig> = {};
  for (const [name, doc] of Object.entries(docs ?? {})) buckets[name] = normalizeBucket(name, doc);
  return buckets;
}

export const BUCKET_EVENT_NAMES = ["object.created", "object.deleted"] as const;
export type BucketEventName = (typeof BUCKET_EVENT_NAMES)[number];

/** `events: - bucket: photos` on a function: object changes call it (async, with retries). */
export const bucketEventSchema = z
  .strictObject({
    bucket: z.string().regex(BUCKET_NAME, "bucket names are 3-63 lower-case letters, digits and -"),
    on: z
      .array(z.enum(BUCKET_EVENT_NAMES))
      .min(1)
      .optional()
      .describe("Which changes call the function (default both: object.created and object.deleted)."),
    prefix: z.string().optional().describe("Only keys starting with this."),
    suffix: z.string().optional().describe("Only keys ending with this (such as .jpg)."),
  })
  .describe("Object changes in one of the app's buckets call the function with an S3-shaped event.");

export type BucketEventDocument = z.infer<typeof bucketEventSchema>;

export interface BucketTriggerConfig {
  readonly bucket: string;
  readonly on: readonly BucketEventName[];
  readonly prefix: string;
  readonly suffix: string;
}

export function normalizeBucketTrigger(doc: BucketEventDocument): BucketTriggerConfig {
  return {
    bucket: doc.bucket,
    on: doc.on ?? [...BUCKET_EVENT_NAMES],
    prefix: doc.prefix ?? "",
    suffix: doc.suffix ?? "",
  };
}

/** Triggers must name a bucket the manifest declares. */
export function bucketTriggerProblems(
  functions: Readonly<Record<string, { events?: readonly unknown[] | undefined }>>,
  buckets: Readonly<Record<string, unknown>> | undefined,
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const [name, fn] of Object.entries(functions)) {
    (fn.events ?? []).forEach((event, index) => {
      if (typeof event !== "object" || event === null || !("bucket" in event)) return;
      const bucket = String((event as { bucket: unknown }).bucket);
      if (!buckets?.[bucket]) {
        problems.push({
          path: ["functions", name, "events", index, "bucket"],
          message: `the bucket "${bucket}" is not declared under buckets:`,
        });
      }
    });
  }
  return problems;
}
