// Object URLs that need no Nimbus credentials: /_nimbus/apps/:app/buckets/:bucket/public/<key>.
// A GET or HEAD is allowed on a public-read bucket, or with a presigned query for GET; a PUT
// only with a presigned query for PUT. Presigned URLs are made by the guarded presign routes,
// so whoever signs must hold GetObject / PutObject on the key at that moment.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { appResource } from "../../core/policy/index.ts";
import { parseBody } from "../../identity/http/parse-body.ts";
import { operation, publicOperation } from "../../identity/index.ts";
import { answerPreflight, applyBucketCors } from "./bucket-cors.ts";
import type { BucketService } from "./bucket-service.ts";
import { type ObjectTarget, sendObject, storeObject } from "./object-handlers.ts";
import { validateObjectKey } from "./object-key.ts";
import { MAX_PRESIGN_SECONDS, type PresignedMethod, type PresignedUrls } from "./presigned-urls.ts";

export interface PublicObjectRouteDeps {
  readonly buckets: BucketService;
  readonly presigned: PresignedUrls;
}

const objectParams = z.strictObject({ app: z.string().min(1), bucket: z.string().min(1), "*": z.string() });
const presignBody = z
  .strictObject({ expiresInSeconds: z.int().min(1).max(MAX_PRESIGN_SECONDS).optional() })
  .default({});

const PUBLIC_WHY =
  "public-read buckets and presigned URLs: the handler checks the bucket's access or the URL's signature";

function targetOf(request: FastifyRequest): ObjectTarget {
  const { app, bucket, "*": key } = parseBody(objectParams, request.params, "path");
  return { app, bucket, key };
}

const objectOf = (request: FastifyRequest) => {
  const { app = "", bucket = "", "*": key = "" } = request.params as Record<string, string>;
  return appResource(app, `bucket/${bucket}/${key}`);
};

async function presign(
  request: FastifyRequest,
  deps: PublicObjectRouteDeps,
  method: PresignedMethod,
): Promise<{ url: string; method: PresignedMethod; expiresAt: string }> {
  const target = targetOf(request);
  deps.buckets.config(target.app, target.bucket);
  validateObjectKey(target.key);
  const { expiresInSeconds = 3600 } = parseBody(presignBody, request.body ?? {}, "presign request");
  const expiresAtSeconds = Math.floor(Date.now() / 1000) + expiresInSeconds;
  const query = await deps.presigned.sign({ method, ...target, expiresAtSeconds });
  const path = `/_nimbus/apps/${encodeURIComponent(target.app)}/buckets/${encodeURIComponent(target.bucket)}/public/${target.key
    .split("/")
    .map(encodeURIComponent)
    .join("/")}`;
  const url = `${request.protocol}://${request.headers.host ?? request.hostname}${path}?${query}`;
  return { url, method, expiresAt: new Date(expiresAtSeconds * 1000).toISOString() };
}

async function authorizePublic(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: PublicObjectRouteDeps,
  method: PresignedMethod,
): Promise<ObjectTarget> {
  const target = targetOf(request);
  const config = deps.buckets.config(target.app, target.bucket);
  applyBucketCors(config.cors, request, reply);
  const query = request.query as Record<string, unknown>;
  const publicRead = method === "GET" && config.access === "public-read" && query.signature === undefined;
  if (!publicRead) await deps.presigned.verify({ method, ...target }, query);
  return target;
}

export function registerPublicObjectRoutes(
  app: FastifyInstance,
  prefix: string,
  deps: PublicObjectRouteDeps,
): void {
  const bucket = `${prefix}/apps/:app/buckets/:bucket`;

  app.post(`${bucket}/presign/get/*`, { config: operation("buckets:GetObject", objectOf) }, (request) =>
    presign(request, deps, "GET"),
  );
  app.post(`${bucket}/presign/put/*`, { config: operation("buckets:PutObject", objectOf) }, (request) =>
    presign(request, deps, "PUT"),
  );

  app.register(async (scoped) => {
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));
    const url = `${bucket}/public/*`;
    const config = publicOperation(PUBLIC_WHY);
    scoped.get(url, { config, exposeHeadRoute: false }, async (request, reply) =>
      sendObject(request, reply, deps.buckets, await authorizePublic(request, reply, deps, "GET")),
    );
    scoped.head(url, { config }, async (request, reply) =>
      sendObject(request, reply, deps.buckets, await authorizePublic(request, reply, deps, "GET")),
    );
    scoped.put(url, { config }, async (request, reply) =>
      storeObject(request, reply, deps.buckets, await authorizePublic(request, reply, deps, "PUT")),
    );
    scoped.options(url, { config }, async (request, reply) => {
      const target = targetOf(request);
      return answerPreflight(deps.buckets.config(target.app, target.bucket).cors, request, reply);
    });
  });
}
