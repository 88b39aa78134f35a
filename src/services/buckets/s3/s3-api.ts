// The S3-compatible endpoint, a raw node:http handler for http://<nimbus>/_nimbus/s3/<app>
// with path-style addressing (forcePathStyle): /_nimbus/s3/<app>/<bucket>/<key>. Like the
// Lambda Invoke API it is dispatched by platform.ts before the admin API: SigV4 signs the
// request as it travels, object bodies stream, and the answers are S3's XML.
//
// Every request goes the same way: authenticate (SigV4 by a Nimbus access key), select the
// operation, authorize each of its checks through identity's one authorization point, run.
// Nothing is looked up before authorization, so a caller without rights learns nothing.
import type { IncomingMessage, ServerResponse } from "node:http";
import { NimbusError } from "../../../core/errors.ts";
import { newRequestId } from "../../../core/ids.ts";
import { isKnownAction } from "../../../core/policy/index.ts";
import type { Identity } from "../../../identity/index.ts";
import type { BucketService } from "../bucket-service.ts";
import type { MultipartStore } from "./multipart-store.ts";
import { authenticateS3 } from "./s3-auth.ts";
import { type ErrorContext, INTERNAL_ERROR, sendS3Error, toS3Error } from "./s3-errors.ts";
import { S3_OPERATIONS, type S3Check, type S3Deps, selectOperation } from "./s3-operations.ts";
import { parseS3Target, type S3Request } from "./s3-request.ts";

export interface S3ApiOptions {
  readonly buckets: BucketService;
  readonly multipart: MultipartStore;
  readonly identity: Pick<Identity, "resolveAccessKey" | "authorizer">;
  readonly now?: () => number;
  readonly onError?: (error: unknown) => void;
}

export type S3ApiHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createS3Api(options: S3ApiOptions): S3ApiHandler {
  // As the admin API's guard does at start-up: an operation naming an unknown action is a bug.
  for (const operation of Object.values(S3_OPERATIONS)) {
    if (!isKnownAction(operation.action))
      throw new NimbusError(
        "INTERNAL",
        `S3 operation ${operation.name} names an unknown action "${operation.action}"`,
      );
  }
  const deps: S3Deps = {
    buckets: options.buckets,
    multipart: options.multipart,
    now: options.now ?? Date.now,
  };
  return (req, res) => {
    const requestId = newRequestId();
    const context: { current: ErrorContext } = {
      current: { requestId, resource: (req.url ?? "/").split("?")[0] as string, method: req.method ?? "GET" },
    };
    serve(options, deps, req, res, requestId, context).catch((error: unknown) => {
      const answer = toS3Error(error);
      if (answer === undefined) options.onError?.(error);
      if (res.headersSent) res.destroy();
      else sendS3Error(res, answer ?? INTERNAL_ERROR, context.current);
    });
  };
}

async function serve(
  options: S3ApiOptions,
  deps: S3Deps,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  context: { current: ErrorContext },
): Promise<void> {
  const target = parseS3Target(req.url ?? "/");
  context.current = { ...context.current, bucket: target.bucket, key: target.key };
  const caller = await authenticateS3(req, options.identity, deps.now());
  const method = req.method ?? "GET";
  const operation = selectOperation(target, method, req.headers);
  const request: S3Request = { req, res, requestId, method, ...target, caller };
  const prepared = operation.prepare === undefined ? undefined : await operation.prepare(request);
  const checks: S3Check[] = [
    ...operation.resources(request, prepared).map((resource) => ({ action: operation.action, resource })),
    ...(operation.alsoNeeds?.(request) ?? []),
  ];
  if (checks.length === 0)
    throw new NimbusError("INTERNAL", `S3 operation ${operation.name} names no resource to authorize`);
  for (const check of checks)
    await options.identity.authorizer.assertAllowed(caller.principal, check.action, check.resource);
  await operation.run(request, deps, prepared);
}
