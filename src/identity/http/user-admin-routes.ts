// Administering an app's users (nimbus users ls|create|disable|enable), guarded by IAM.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { appResource } from "../../core/policy/index.ts";
import type { UserPools } from "../user-pools/user-pool-service.ts";
import { operation } from "./operation-guard.ts";
import { parseBody } from "./parse-body.ts";

const createBody = z.strictObject({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(1024),
  email: z.string().max(254).optional(),
  groups: z.array(z.string().min(1).max(64)).max(50).optional(),
});
const listQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

function params(request: FastifyRequest): { app: string; username: string } {
  const { app = "", username = "" } = request.params as { app?: string; username?: string };
  return { app, username };
}

function userOf(request: FastifyRequest): string {
  const { app, username } = params(request);
  return appResource(app, `user/${username.toLowerCase()}`);
}

function newUserOf(request: FastifyRequest): string {
  const name = (request.body as { username?: unknown } | undefined)?.username;
  return appResource(
    params(request).app,
    `user/${typeof name === "string" ? name.trim().toLowerCase() : "*"}`,
  );
}

export function registerUserAdminRoutes(
  app: FastifyInstance,
  prefix: string,
  deps: { pools: UserPools },
): void {
  const base = `${prefix}/apps/:app/users`;
  const all = (request: FastifyRequest) => appResource(params(request).app, "user/*");

  app.get(base, { config: operation("users:ListUsers", all) }, async (request) => {
    const { limit } = parseBody(listQuery, request.query, "query");
    return { users: await deps.pools.listUsers(params(request).app, limit) };
  });
  app.post(base, { config: operation("users:CreateUser", newUserOf) }, async (request, reply) => {
    const body = parseBody(createBody, request.body, "user");
    return reply.code(201).send(await deps.pools.createUser(params(request).app, body));
  });
  app.post(`${base}/:username/disable`, { config: operation("users:DisableUser", userOf) }, async (request) =>
    deps.pools.setEnabled(params(request).app, params(request).username, false),
  );
  app.post(`${base}/:username/enable`, { config: operation("users:EnableUser", userOf) }, async (request) =>
    deps.pools.setEnabled(params(request).app, params(request).username, true),
  );
}
