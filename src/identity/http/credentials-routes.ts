// Temporary credentials (POST /credentials): scoped down from the caller's own rights.
import type { FastifyInstance } from "fastify";
import { credentialsResource, type TemporaryCredentials } from "../temporary-credentials.ts";
import { operation, principalOf } from "./operation-guard.ts";

export function registerCredentialsRoutes(
  app: FastifyInstance,
  prefix: string,
  deps: { temporaryCredentials: TemporaryCredentials },
): void {
  app.post(
    `${prefix}/credentials`,
    {
      config: operation("iam:CreateTemporaryCredentials", (request) =>
        credentialsResource(principalOf(request)),
      ),
    },
    async (request, reply) =>
      reply.code(201).send(await deps.temporaryCredentials.issue(principalOf(request), request.body)),
  );
}
