// The admin HTTP API under /_nimbus/: deploy, rollback, list, invoke, invocations, logs.
// Fastify serves it (validation, error handling); the function gateway stays on raw node:http.
import { once } from "node:events";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { NimbusError, toNimbusError } from "../core/errors.ts";
import { appResource } from "../core/policy/index.ts";
import { type Identity, operation, publicOperation } from "../identity/index.ts";
import type { Recorder } from "../observe/index.ts";
import type { Store } from "../store/ports.ts";
import { allApps, appOf, deployTargetOf, functionOf, queriedFunctionsOf } from "./admin-operations.ts";
import { deployRequestSchema, requestToPackage } from "./app-package.ts";
import type { Deployer } from "./deployer.ts";
import { describeApp } from "./describe-app.ts";
import { invokeDirect } from "./invoke-direct.ts";

export const ADMIN_PREFIX = "/_nimbus";

export interface AdminApiOptions {
  readonly deployer: Deployer;
  readonly store: Store;
  readonly recorder: Recorder;
  /** Authenticates and authorizes every route (each declares its action and resource). */
  readonly identity: Identity;
  /** Largest deploy upload, in bytes. */
  readonly maxDeployBytes: number;
  /** Routes of the services (queues, …), registered under the same guard and prefix. */
  readonly serviceRoutes?: readonly ((app: FastifyInstance, prefix: string) => void)[];
}

const appParams = z.strictObject({ app: z.string().min(1) });
const functionParams = appParams.extend({ fn: z.string().min(1) });
const listQuery = z.strictObject({
  function: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
const logQuery = z.strictObject({
  function: z.string().optional(),
  requestId: z.string().optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Long poll: wait up to this long for new lines when there are none after `after`. */
  waitMs: z.coerce.number().int().min(0).max(60_000).default(0),
});
const rollbackBody = z.strictObject({ version: z.number().int().min(1).optional() }).default({});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".") || what}: ${issue.message}`);
  throw new NimbusError("BAD_REQUEST", `Invalid ${what}: ${problems.join("; ")}`, { details: { problems } });
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const fastifyCode = (error as { code?: string }).code;
  const nimbusError =
    fastifyCode === "FST_ERR_CTP_BODY_TOO_LARGE"
      ? new NimbusError("PAYLOAD_TOO_LARGE", "The upload is over the admin API's size limit")
      : fastifyCode?.startsWith("FST_ERR_CTP") || (error as { statusCode?: number }).statusCode === 400
        ? new NimbusError("BAD_REQUEST", (error as Error).message)
        : toNimbusError(error);
  if (nimbusError.code === "INTERNAL") request.log.error({ err: error }, "admin API error");
  return reply
    .code(nimbusError.status)
    .headers(nimbusError.headers)
    .send(nimbusError.toBody(request.id as string));
}

export async function registerAdminApi(app: FastifyInstance, options: AdminApiOptions): Promise<void> {
  const { deployer, store, recorder, identity } = options;

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      new NimbusError("NOT_FOUND", `No admin endpoint ${request.method} ${request.url}`),
      request,
      reply,
    ),
  );
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  // Every route below declares `config: operation(action, resource)` (or publicOperation);
  // one that declares nothing makes start-up fail.
  const operations = identity.installGuard(app);
  // Function invocations carry raw bytes: keep them as a Buffer whatever their type.
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));

  app.get(`${ADMIN_PREFIX}/health`, { config: publicOperation("liveness probe") }, async () => ({
    status: "ok",
  }));

  const deployOptions = {
    bodyLimit: options.maxDeployBytes,
    config: operation("deployments:CreateDeployment", deployTargetOf),
  };
  app.post(`${ADMIN_PREFIX}/deployments`, deployOptions, async (request, reply) => {
    const body = parse(deployRequestSchema, request.body, "deploy request");
    const result = await deployer.deploy(requestToPackage(body), { dryRun: body.dryRun ?? false });
    return reply.code(result.deployment ? 201 : 200).send(result);
  });

  app.get(`${ADMIN_PREFIX}/apps`, { config: operation("apps:ListApps", allApps) }, async () => ({
    apps: await store.deployments.listApps(),
  }));

  app.get(`${ADMIN_PREFIX}/apps/:app`, { config: operation("apps:GetApp", appOf) }, async (request) => {
    const { app } = parse(appParams, request.params, "path");
    return describeApp(deployer, store, app);
  });

  app.get(
    `${ADMIN_PREFIX}/apps/:app/deployments`,
    { config: operation("deployments:ListDeployments", appOf) },
    async (request) => {
      const { app } = parse(appParams, request.params, "path");
      const { limit } = parse(listQuery, request.query, "query");
      return { deployments: await store.deployments.listDeployments(app, limit) };
    },
  );

  app.post(
    `${ADMIN_PREFIX}/apps/:app/rollback`,
    { config: operation("deployments:Rollback", appOf) },
    async (request) => {
      const { app } = parse(appParams, request.params, "path");
      const { version } = parse(rollbackBody, request.body ?? {}, "rollback request");
      return { deployment: await deployer.rollback(app, version) };
    },
  );

  app.post(
    `${ADMIN_PREFIX}/apps/:app/functions/:fn/invoke`,
    { config: operation("functions:Invoke", functionOf) },
    async (request) => {
      const { app, fn } = parse(functionParams, request.params, "path");
      const live = deployer.live(app);
      if (!live) throw new NimbusError("APP_NOT_FOUND", `App "${app}" is not deployed`);
      const payload = Buffer.isBuffer(request.body)
        ? request.body
        : Buffer.from(JSON.stringify(request.body ?? null));
      return invokeDirect(live, fn, payload, request.id as string);
    },
  );

  app.get(
    `${ADMIN_PREFIX}/apps/:app/invocations`,
    { config: operation("logs:ListInvocations", queriedFunctionsOf) },
    async (request) => {
      const { app } = parse(appParams, request.params, "path");
      const query = parse(listQuery, request.query, "query");
      await recorder.flush();
      return {
        invocations: await store.invocations.listInvocations({
          app,
          limit: query.limit,
          ...(query.function ? { functionName: query.function } : {}),
        }),
      };
    },
  );

  // The resource is the invocation's function; an unknown id needs rights on everything, so
  // a caller without them cannot tell a missing record from one of another app.
  const invocationResource = async (request: FastifyRequest) => {
    const { id } = request.params as { id: string };
    await recorder.flush();
    const record = await store.invocations.getInvocation(id);
    return record ? appResource(record.app, `function/${record.functionName}`) : "*";
  };
  app.get(
    `${ADMIN_PREFIX}/invocations/:id`,
    { config: operation("logs:GetInvocation", invocationResource) },
    async (request) => {
      const { id } = parse(z.strictObject({ id: z.string() }), request.params, "path");
      await recorder.flush();
      const record = await store.invocations.getInvocation(id);
      if (!record) throw new NimbusError("NOT_FOUND", `No invocation ${id}`);
      return record;
    },
  );

  app.get(
    `${ADMIN_PREFIX}/apps/:app/logs`,
    { config: operation("logs:GetLogs", queriedFunctionsOf) },
    async (request) => {
      const { app } = parse(appParams, request.params, "path");
      const query = parse(logQuery, request.query, "query");
      const logQueryInput = {
        app,
        limit: query.limit,
        ...(query.function ? { functionName: query.function } : {}),
        ...(query.requestId ? { requestId: query.requestId } : {}),
        ...(query.after === undefined ? {} : { afterId: query.after }),
      };
      await recorder.flush();
      let lines = await store.logs.queryLogs(logQueryInput);
      if (lines.length === 0 && query.waitMs > 0) {
        // Long poll: the recorder says when it wrote something new.
        const signal = AbortSignal.timeout(query.waitMs);
        await once(recorder.flushed, "flushed", { signal }).catch(() => undefined);
        lines = await store.logs.queryLogs(logQueryInput);
      }
      return { lines };
    },
  );

  for (const register of options.serviceRoutes ?? []) register(app, ADMIN_PREFIX);
  identity.registerRoutes(app, ADMIN_PREFIX, operations);
}
