// CORS for the public object URLs (presigned and public-read), from the bucket's `cors:`
// settings, so a browser page on an allowed origin can upload straight to a bucket.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { BucketCorsConfig } from "../../core/manifest/buckets.ts";

function allowedOrigin(cors: BucketCorsConfig | undefined, origin: string | undefined): string | undefined {
  if (!cors || origin === undefined) return undefined;
  if (cors.allowOrigins.includes("*")) return "*";
  return cors.allowOrigins.includes(origin) ? origin : undefined;
}

/** Adds the CORS headers of an actual request; nothing when the origin is not allowed. */
export function applyBucketCors(
  cors: BucketCorsConfig | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const origin = allowedOrigin(cors, request.headers.origin);
  if (!origin) return;
  reply.header("access-control-allow-origin", origin);
  reply.header("access-control-expose-headers", "etag, content-length, content-range, last-modified");
  if (origin !== "*") reply.header("vary", "origin");
}

/** Answers a preflight: 204 with what is allowed, or 403 when the origin or method is not. */
export function answerPreflight(
  cors: BucketCorsConfig | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const origin = allowedOrigin(cors, request.headers.origin);
  const method = request.headers["access-control-request-method"];
  if (!cors || !origin || typeof method !== "string" || !cors.allowMethods.includes(method.toUpperCase())) {
    return reply.code(403).send();
  }
  applyBucketCors(cors, request, reply);
  reply.header("access-control-allow-methods", cors.allowMethods.join(", "));
  const requested = request.headers["access-control-request-headers"];
  const headers = cors.allowHeaders?.join(", ") ?? (typeof requested === "string" ? requested : "");
  if (headers) reply.header("access-control-allow-headers", headers);
  if (cors.maxAgeSeconds !== undefined) reply.header("access-control-max-age", cors.maxAgeSeconds);
  return reply.code(204).send();
}
