// An app's API keys (nimbus keys create|ls|revoke), guarded by IAM.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { appResource } from "../../core/policy/index.ts";
import type { ApiKeys } from "../api-keys.ts";
import { operation } from "./operation-guard.ts";
import { parseBody } from "./parse-body.ts";

const createBody = z.strictObject({
  name: z.string().min(1).max(128),
  plan: z.string().min(1).max(64).optional(),
});

function params(request: FastifyRequest): { app: string; id: string } {
  const { app = "", id = "" } = request.params as { app?: string; id?: string };
  return { app, id };
}

export function registerApiKeyRoutes(app: FastifyInstance, prefix: string, deps: { apiKeys: ApiKeys }): void {
  const base = `${prefix}/apps/:app/api-keys`;
  const all = (request: FastifyRequest) => appResource(params(request).app, "apikey/*");

  app.post(base, { config: operation("apikeys:CreateApiKey", all) }, async (request, reply) => {
    const body = parseBody(createBody, request.body, "API key request");
    return reply.code(201).send(await deps.apiKeys.create(params(request).app, body.name, body.plan));
  });
  app.get(base, { config: operation("apikeys:ListApiKeys", all) }, async (request) => ({
    apiKeys: await deps.apiKeys.list(params(request).app),
  }));
  app.delete(
    `${base}/:id`,
    {
      config: operation("apikeys:RevokeApiKey", (request) =>
        appResource(params(request).app, `apikey/${params(request).id}`),
      ),
    },
    async (request, reply) => {
      await deps.apiKeys.revoke(params(request).app, params(request).id);
      return reply.code(204).send();
    },
  );
}
