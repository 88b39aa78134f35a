// Async invocation in the platform's HTTP API: POST …/functions/:fn/invoke-async answers 202
// with the invocation id once it is stored (?qualifier=live or =7 calls an alias or version);
// the records show every attempt and the version that ran it.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { NimbusError } from "../../core/errors.ts";
import { appResource } from "../../core/policy/index.ts";
import { parseBody } from "../../identity/http/parse-body.ts";
import { operation } from "../../identity/index.ts";
import type { AsyncInvocationRecord } from "../../store/async-invocation-ports.ts";
import type { AsyncInvocations } from "./async-invocations.ts";

const functionParams = z.strictObject({ app: z.string().min(1), fn: z.string().min(1) });
const appParams = z.strictObject({ app: z.string().min(1) });
const listQuery = z.strictObject({
  function: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
const idempotencyKey = z.string().min(1).max(256).optional();
const qualifier = z.string().min(1).max(128).optional();

/** The record as the API shows it: the payload as text. */
export function asyncInvocationView(record: AsyncInvocationRecord) {
  return { ...record, payload: Buffer.from(record.payload).toString("utf8") };
}

function param(request: FastifyRequest, name: string): string {
  const value = (request.params as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" ? value : "";
}

export function registerAsyncRoutes(
  app: FastifyInstance,
  prefix: string,
  invocations: AsyncInvocations,
): void {
  app.post(
    `${prefix}/apps/:app/functions/:fn/invoke-async`,
    {
      config: operation("functions:Invoke", (r) =>
        appResource(param(r, "app"), `function/${param(r, "fn")}`),
      ),
    },
    async (request, reply) => {
      const { app: appName, fn } = parseBody(functionParams, request.params, "path");
      const key = parseBody(
        idempotencyKey,
        request.headers["x-nimbus-idempotency-key"] ??
          (request.query as { idempotencyKey?: unknown }).idempotencyKey,
        "idempotency key (x-nimbus-idempotency-key or ?idempotencyKey=)",
      );
      const at = parseBody(qualifier, (request.query as { qualifier?: unknown }).qualifier, "qualifier");
      const payload = Buffer.isBuffer(request.body)
        ? request.body
        : Buffer.from(JSON.stringify(request.body ?? null));
      const { invocation, duplicate } = await invocations.enqueueAsyncInvocation({
        app: appName,
        functionName: fn,
        payload,
        idempotencyKey: key,
        qualifier: at,
      });
      return reply.code(202).send({ invocationId: invocation.id, duplicate, status: invocation.status });
    },
  );

  app.get(
    `${prefix}/apps/:app/async-invocations`,
    {
      config: operation("logs:ListInvocations", (r) =>
        appResource(param(r, "app"), `function/${(r.query as { function?: string }).function ?? "*"}`),
      ),
    },
    async (request) => {
      const { app: appName } = parseBody(appParams, request.params, "path");
      const query = parseBody(listQuery, request.query, "query");
      return {
        invocations: (await invocations.list(appName, query.function, query.limit)).map(asyncInvocationView),
      };
    },
  );

  // The resource is the invocation's function; an unknown id needs rights on everything.
  const resourceOf = async (request: FastifyRequest) => {
    const record = await invocations.get(param(request, "id"));
    return record ? appResource(record.app, `function/${record.functionName}`) : "*";
  };
  app.get(
    `${prefix}/async-invocations/:id`,
    { config: operation("logs:GetInvocation", resourceOf) },
    async (request) => {
      const record = await invocations.get(param(request, "id"));
      if (!record) throw new NimbusError("NOT_FOUND", `No async invocation ${param(request, "id")}`);
      return asyncInvocationView(record);
    },
  );
}
