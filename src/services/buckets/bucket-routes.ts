// The buckets' part of the platform's HTTP API, under /_nimbus/apps/:app/buckets (docs/buckets.md).
// Every route declares its action and resource (bucket/<name>/<key>) for the one authorization
// point. Object bodies are streams: these routes live in their own Fastify context whose only
// content-type parser hands the request stream on unread, so nothing buffers an upload.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { NimbusError } from "../../core/errors.ts";
import { appResource } from "../../core/policy/index.ts";
import type { Authorizer } from "../../identity/authorize.ts";
import { parseBody } from "../../identity/http/parse-body.ts";
import { operation, principalOf } from "../../identity/index.ts";
import { type BucketService, MAX_LIST_KEYS } from "./bucket-service.ts";
import { type ObjectTarget, sendObject, storeObject } from "./object-handlers.ts";
import { metadataFromHeaders, objectView } from "./object-headers.ts";

export interface BucketRouteDeps {
  readonly buckets: BucketService;
  /** For the second resource of a copy (GetObject on the source). */
  readonly authorizer: Authorizer;
}

const appParams = z.strictObject({ app: z.string().min(1) });
const bucketParams = appParams.extend({ bucket: z.string().min(1) });
const objectParams = bucketParams.extend({ "*": z.string() });
const listQuery = z.strictObject({
  prefix: z.string().optional(),
  delimiter: z.string().min(1).optional(),
  startAfter: z.string().optional(),
  continuationToken: z.string().optional(),
  maxKeys: z.coerce.number().int().min(1).max(MAX_LIST_KEYS).optional(),
});

function objectTarget(request: FastifyRequest): ObjectTarget {
  const { app, bucket, "*": key } = parseBody(objectParams, request.params, "path");
  return { app, bucket, key };
}

function paramsOf(request: FastifyRequest): Record<string, string> {
  return request.params as Record<string, string>;
}

const allBuckets = (request: FastifyRequest) => appResource(paramsOf(request).app ?? "", "bucket/*");
const bucketOf = (request: FastifyRequest) => {
  const { app = "", bucket = "" } = paramsOf(request);
  return appResource(app, `bucket/${bucket}`);
};
const objectOf = (request: FastifyRequest) => {
  const { app = "", bucket = "", "*": key = "" } = paramsOf(request);
  return appResource(app, `bucket/${bucket}/${key}`);
};

// Continuation tokens are the last key, base64url-encoded so clients treat them as opaque.
const encodeToken = (key: string) => Buffer.from(key, "utf8").toString("base64url");
const decodeToken = (token: string) => Buffer.from(token, "base64url").toString("utf8");

/** "bucket/key" from x-nimbus-copy-source (URL-encoded, an optional leading slash). */
function copySourceOf(header: string): { bucket: string; key: string } {
  const decoded = decodeURIComponent(header).replace(/^\//, "");
  const slash = decoded.indexOf("/");
  if (slash <= 0) throw new NimbusError("BAD_REQUEST", "x-nimbus-copy-source must be '<bucket>/<key>'");
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

async function putObject(request: FastifyRequest, reply: FastifyReply, deps: BucketRouteDeps) {
  const { app, bucket, "*": key } = parseBody(objectParams, request.params, "path");
  const copySource = request.headers["x-nimbus-copy-source"];
  if (typeof copySource === "string") {
    const source = copySourceOf(copySource);
    await deps.authorizer.assertAllowed(
      principalOf(request),
      "buckets:GetObject",
      appResource(app, `bucket/${source.bucket}/${source.key}`),
    );
    const replacing = request.headers["x-nimbus-metadata-directive"] === "REPLACE";
    const copied = await deps.buckets.copyObject(
      app,
      source,
      { bucket, key },
      replacing
        ? { contentType: request.headers["content-type"], metadata: metadataFromHeaders(request.headers) }
        : undefined,
    );
    return reply.code(200).send(objectView(copied));
  }
  return storeObject(request, reply, deps.buckets, { app, bucket, key });
}

export function registerBucketRoutes(app: FastifyInstance, prefix: string, deps: BucketRouteDeps): void {
  const base = `${prefix}/apps/:app/buckets`;
  const objects = `${base}/:bucket/objects`;

  app.get(base, { config: operation("buckets:ListBuckets", allBuckets) }, async (request) => {
    const { app: appName } = parseBody(appParams, request.params, "path");
    return { buckets: deps.buckets.list(appName) };
  });

  app.get(objects, { config: operation("buckets:ListObjects", bucketOf) }, async (request) => {
    const { app: appName, bucket } = parseBody(bucketParams, request.params, "path");
    const query = parseBody(listQuery, request.query, "query");
    const listing = await deps.buckets.listObjects(appName, bucket, {
      prefix: query.prefix,
      delimiter: query.delimiter,
      startAfter: query.continuationToken ? decodeToken(query.continuationToken) : query.startAfter,
      maxKeys: query.maxKeys,
    });
    return {
      objects: listing.objects.map(objectView),
      commonPrefixes: listing.commonPrefixes,
      ...(listing.nextStartAfter === undefined
        ? {}
        : { continuationToken: encodeToken(listing.nextStartAfter) }),
    };
  });

  // Object bodies: their own context, whose one parser leaves the body stream unread.
  app.register(async (scoped) => {
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));

    scoped.get(
      `${objects}/*`,
      { config: operation("buckets:GetObject", objectOf), exposeHeadRoute: false },
      (request, reply) => sendObject(request, reply, deps.buckets, objectTarget(request)),
    );
    // HEAD is its own route because Fastify's automatic one answers Content-Length 0, not the
    // object's size. Registered after GET, so the operation list shows the pair once.
    scoped.head(`${objects}/*`, { config: operation("buckets:GetObject", objectOf) }, (request, reply) =>
      sendObject(request, reply, deps.buckets, objectTarget(request)),
    );
    scoped.put(`${objects}/*`, { config: operation("buckets:PutObject", objectOf) }, (request, reply) =>
      putObject(request, reply, deps),
    );
    scoped.delete(
      `${objects}/*`,
      { config: operation("buckets:DeleteObject", objectOf) },
      async (request, reply) => {
        const { app: appName, bucket, "*": key } = parseBody(objectParams, request.params, "path");
        await deps.buckets.deleteObject(appName, bucket, key);
        return reply.code(204).send();
      },
    );
  });
}
