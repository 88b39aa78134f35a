// The IAM part of the platform's HTTP API: the operation list (what the enumeration test and
// `nimbus iam operations` read), explain, and access keys.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { platformResource } from "../../core/policy/index.ts";
import type { AccessKeys } from "../access-keys.ts";
import { type ExplainDeps, explain } from "../explain.ts";
import { type OperationInfo, operation } from "./operation-guard.ts";
import { parseBody } from "./parse-body.ts";

const IAM = platformResource("iam");
const ALL_ACCESS_KEYS = platformResource("accesskey/*");

const createAccessKeyBody = z.strictObject({
  name: z.string().min(1).max(128),
  policy: z.unknown(),
});
const accessKeyParams = z.strictObject({ id: z.string().min(1) });

export interface IamRouteDeps extends ExplainDeps {
  readonly accessKeys: AccessKeys;
  readonly operations: readonly OperationInfo[];
}

export function registerIamRoutes(app: FastifyInstance, prefix: string, deps: IamRouteDeps): void {
  app.get(`${prefix}/iam/operations`, { config: operation("iam:ListOperations", () => IAM) }, async () => ({
    operations: deps.operations,
  }));

  app.post(`${prefix}/iam/explain`, { config: operation("iam:Explain", () => IAM) }, async (request) =>
    explain(deps, request.body),
  );

  app.post(
    `${prefix}/iam/access-keys`,
    { config: operation("iam:CreateAccessKey", () => ALL_ACCESS_KEYS) },
    async (request, reply) => {
      const body = parseBody(createAccessKeyBody, request.body, "access key request");
      return reply.code(201).send(await deps.accessKeys.create(body.name, body.policy));
    },
  );

  app.get(
    `${prefix}/iam/access-keys`,
    { config: operation("iam:ListAccessKeys", () => ALL_ACCESS_KEYS) },
    async () => ({
      accessKeys: await deps.accessKeys.list(),
    }),
  );

  app.delete(
    `${prefix}/iam/access-keys/:id`,
    {
      config: operation("iam:RevokeAccessKey", (request) =>
        platformResource(`accesskey/${parseBody(accessKeyParams, request.params, "path").id}`),
      ),
    },
    async (request, reply) => {
      await deps.accessKeys.revoke(parseBody(accessKeyParams, request.params, "path").id);
      return reply.code(204).send();
    },
  );
}
