// The parameter store's part of the platform's HTTP API, under /apps/:app/secrets. Names may
// hold "/" (db/password): the routes take the rest of the path as the name.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { appResource } from "../../core/policy/index.ts";
import type { ParameterStore } from "../secrets/parameter-store.ts";
import type { SecretMasker } from "../secrets/secret-masker.ts";
import { operation, principalOf } from "./operation-guard.ts";
import { parseBody } from "./parse-body.ts";

const putBody = z.strictObject({
  value: z.string(),
  type: z.enum(["plain", "secret"]).default("secret"),
});
const getQuery = z.strictObject({ version: z.coerce.number().int().min(1).optional() });

function target(request: FastifyRequest): { app: string; name: string } {
  const params = request.params as Record<string, string | undefined>;
  return { app: params.app ?? "", name: params["*"] ?? "" };
}

function secretOf(request: FastifyRequest): string {
  const { app, name } = target(request);
  return appResource(app, `secret/${name}`);
}

function allSecretsOf(request: FastifyRequest): string {
  return appResource(target(request).app, "secret/*");
}

export function registerSecretRoutes(
  app: FastifyInstance,
  prefix: string,
  deps: { parameters: ParameterStore; masker: SecretMasker },
): void {
  const base = `${prefix}/apps/:app/secrets`;

  app.get(base, { config: operation("secrets:ListSecrets", allSecretsOf) }, async (request) => ({
    secrets: await deps.parameters.list(target(request).app),
  }));

  app.put(`${base}/*`, { config: operation("secrets:PutSecret", secretOf) }, async (request) => {
    const { app: appName, name } = target(request);
    const body = parseBody(putBody, request.body, "parameter");
    return deps.parameters.put(appName, name, body.value, body.type);
  });

  app.get(`${base}/*`, { config: operation("secrets:GetSecret", secretOf) }, async (request) => {
    const { app: appName, name } = target(request);
    const { version } = parseBody(getQuery, request.query, "query");
    const parameter = await deps.parameters.get(appName, name, version);
    const principal = principalOf(request);
    // A function that reads a secret through the API gets it masked in its logs too.
    if (principal.kind === "function" && parameter.type === "secret") {
      deps.masker.register(principal.app, principal.functionName, [parameter.value]);
    }
    return parameter;
  });

  app.delete(`${base}/*`, { config: operation("secrets:DeleteSecret", secretOf) }, async (request, reply) => {
    const { app: appName, name } = target(request);
    await deps.parameters.delete(appName, name);
    return reply.code(204).send();
  });
}
