// Entities in the platform's HTTP API: call (wait for the result), signal (queued, 202), read
// operations, a key's state, its operation history, one operation, and the app's keys.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { appResource } from "../../core/policy/index.ts";
import { parseBody } from "../../identity/http/parse-body.ts";
import { operation } from "../../identity/index.ts";
import { MAX_CALL_TIMEOUT_MS } from "./entity-limits.ts";
import type { EntityService } from "./entity-service.ts";
import { entityView, operationView } from "./entity-view.ts";

const NAME = z.string().min(1).max(256);
const appParams = z.strictObject({ app: NAME });
const keyParams = z.strictObject({ app: NAME, entity: NAME, key: z.string() });
const operationParams = keyParams.extend({ operation: NAME });
const operationIdParams = keyParams.extend({ operationId: z.string().min(1) });
const signalBody = z.strictObject({ input: z.unknown().optional(), operationId: z.string().optional() });
const callBody = signalBody.extend({ timeoutMs: z.int().min(1).max(MAX_CALL_TIMEOUT_MS).optional() });
const readBody = z.strictObject({ input: z.unknown().optional() });
const listQuery = z.strictObject({
  entity: NAME.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const historyQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(50) });

function param(request: FastifyRequest, name: string): string {
  const value = (request.params as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" ? value : "";
}

/** entity/<name>/<key> of the app in the path. */
const keyResource = (request: FastifyRequest) =>
  appResource(param(request, "app"), `entity/${param(request, "entity")}/${param(request, "key")}`);

const output = (text: string | undefined): unknown => (text === undefined ? null : JSON.parse(text));

/** The operation a request names (path) with its JSON input (body), and the rest of the body. */
function operationRequest<Body extends { input?: unknown }>(
  request: FastifyRequest,
  bodySchema: z.ZodType<Body>,
) {
  const params = parseBody(operationParams, request.params, "path");
  const body = parseBody(bodySchema, request.body ?? {}, "body");
  const target = {
    app: params.app,
    entity: params.entity,
    key: params.key,
    operation: params.operation,
    input: JSON.stringify(body.input ?? null),
  };
  return { target, body };
}

export function registerEntityRoutes(app: FastifyInstance, prefix: string, entities: EntityService): void {
  const base = `${prefix}/apps/:app/entities/:entity/:key`;

  app.get(
    `${prefix}/apps/:app/entities`,
    {
      config: operation("entities:ListEntities", (r) => {
        const entity = (r.query as { entity?: string }).entity;
        return appResource(param(r, "app"), entity ? `entity/${entity}/*` : "entity/*");
      }),
    },
    async (request) => {
      const { app: appName } = parseBody(appParams, request.params, "path");
      const query = parseBody(listQuery, request.query, "query");
      return { entities: (await entities.list(appName, query.entity, query.limit)).map(entityView) };
    },
  );

  app.get(base, { config: operation("entities:Read", keyResource) }, async (request) => {
    const { app: appName, entity, key } = parseBody(keyParams, request.params, "path");
    return entityView(await entities.get({ app: appName, entity, key }));
  });

  app.get(`${base}/history`, { config: operation("entities:Read", keyResource) }, async (request) => {
    const { app: appName, entity, key } = parseBody(keyParams, request.params, "path");
    const { limit } = parseBody(historyQuery, request.query, "query");
    return { operations: (await entities.history({ app: appName, entity, key }, limit)).map(operationView) };
  });

  app.get(
    `${base}/operations/:operationId`,
    { config: operation("entities:Read", keyResource) },
    async (request) => {
      const { app: appName, entity, key, operationId } = parseBody(operationIdParams, request.params, "path");
      return operationView(await entities.operation({ app: appName, entity, key }, operationId));
    },
  );

  app.post(
    `${base}/call/:operation`,
    { config: operation("entities:Call", keyResource) },
    async (request) => {
      const { target, body } = operationRequest(request, callBody);
      const result = await entities.call({ ...target, operationId: body.operationId }, body.timeoutMs);
      return { operationId: result.operationId, output: output(result.output), duplicate: result.duplicate };
    },
  );

  app.post(
    `${base}/signal/:operation`,
    { config: operation("entities:Signal", keyResource) },
    async (request, reply) => {
      const { target, body } = operationRequest(request, signalBody);
      const signalled = await entities.signal({ ...target, operationId: body.operationId });
      return reply.code(202).send(signalled);
    },
  );

  app.post(
    `${base}/read/:operation`,
    { config: operation("entities:Read", keyResource) },
    async (request) => {
      const { target } = operationRequest(request, readBody);
      const result = await entities.read(target);
      return { operationId: result.operationId, output: output(result.output) };
    },
  );
}
