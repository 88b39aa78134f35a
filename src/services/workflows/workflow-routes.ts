// Workflows in the platform's HTTP API: start (idempotent by instance id), list, describe
// (instance + history), history, send an event (once per event id), cancel.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { appResource } from "../../core/policy/index.ts";
import { parseBody } from "../../identity/http/parse-body.ts";
import { operation } from "../../identity/index.ts";
import type { WorkflowService } from "./workflow-service.ts";
import { eventView, instanceView, journalView } from "./workflow-view.ts";

const NAME = z.string().min(1).max(256);
const startParams = z.strictObject({ app: NAME, workflow: NAME });
const appParams = z.strictObject({ app: NAME });
const idParams = z.strictObject({ id: NAME });
const startBody = z.strictObject({
  input: z.unknown().optional(),
  instanceId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,200}$/, "1–200 letters, digits, '.', '_', ':' or '-'")
    .optional(),
  correlationKey: z.string().min(1).max(256).optional(),
});
const keyedEventBody = z.strictObject({
  name: NAME,
  correlationKey: z.string().min(1).max(256),
  workflow: NAME.optional(),
  payload: z.unknown().optional(),
  eventId: z.string().min(1).max(256).optional(),
});
const eventBody = z.strictObject({
  name: NAME,
  payload: z.unknown().optional(),
  eventId: z.string().min(1).max(256).optional(),
});
const cancelBody = z.strictObject({ reason: z.string().max(1_000).optional() });
const listQuery = z.strictObject({
  workflow: NAME.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

function param(request: FastifyRequest, name: string): string {
  const value = (request.params as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" ? value : "";
}

export function registerWorkflowRoutes(
  app: FastifyInstance,
  prefix: string,
  workflows: WorkflowService,
): void {
  app.post(
    `${prefix}/apps/:app/workflows/:workflow/instances`,
    {
      config: operation("workflows:StartWorkflow", (r) =>
        appResource(param(r, "app"), `workflow/${param(r, "workflow")}`),
      ),
    },
    async (request, reply) => {
      const { app: appName, workflow } = parseBody(startParams, request.params, "path");
      const body = parseBody(startBody, request.body ?? {}, "body");
      const { instance, duplicate } = await workflows.startWorkflow({
        app: appName,
        workflow,
        input: JSON.stringify(body.input ?? null),
        instanceId: body.instanceId,
        correlationKey: body.correlationKey,
      });
      return reply
        .code(duplicate ? 200 : 201)
        .send({ instanceId: instance.id, status: instance.status, duplicate });
    },
  );

  app.get(
    `${prefix}/apps/:app/workflows`,
    {
      config: operation("workflows:ListWorkflows", (r) =>
        appResource(param(r, "app"), `workflow/${(r.query as { workflow?: string }).workflow ?? "*"}`),
      ),
    },
    async (request) => {
      const { app: appName } = parseBody(appParams, request.params, "path");
      const query = parseBody(listQuery, request.query, "query");
      return { instances: (await workflows.list(appName, query.workflow, query.limit)).map(instanceView) };
    },
  );

  // The resource is the instance's workflow; an unknown id needs rights on everything.
  const resourceOf = async (request: FastifyRequest) => {
    const instance = await workflows.find(param(request, "id"));
    return instance ? appResource(instance.app, `workflow/${instance.workflow}`) : "*";
  };

  app.get(
    `${prefix}/workflows/:id`,
    { config: operation("workflows:DescribeWorkflow", resourceOf) },
    async (request) => {
      const { id } = parseBody(idParams, request.params, "path");
      const instance = await workflows.getLoaded(id);
      const { journal, events } = await workflows.history(id);
      return {
        ...instanceView(instance),
        history: journal.map((entry) => journalView(entry, id)),
        events: events.map(eventView),
      };
    },
  );

  app.get(
    `${prefix}/workflows/:id/history`,
    { config: operation("workflows:DescribeWorkflow", resourceOf) },
    async (request) => {
      const { id } = parseBody(idParams, request.params, "path");
      const { journal, events } = await workflows.history(id);
      return { history: journal.map((entry) => journalView(entry, id)), events: events.map(eventView) };
    },
  );

  app.post(
    `${prefix}/workflows/:id/events`,
    { config: operation("workflows:SendEvent", resourceOf) },
    async (request, reply) => {
      const { id } = parseBody(idParams, request.params, "path");
      const body = parseBody(eventBody, request.body ?? {}, "body");
      const sent = await workflows.sendEvent({
        instanceId: id,
        name: body.name,
        payload: JSON.stringify(body.payload ?? null),
        eventId: body.eventId,
      });
      return reply.code(202).send(sent);
    },
  );

  // Events by correlation key: to every running instance of the app started with that key.
  app.post(
    `${prefix}/apps/:app/workflows/events`,
    {
      config: operation("workflows:SendEvent", (r) =>
        appResource(param(r, "app"), `workflow/${workflowOfBody(r.body)}`),
      ),
    },
    async (request, reply) => {
      const { app: appName } = parseBody(appParams, request.params, "path");
      const body = parseBody(keyedEventBody, request.body ?? {}, "body");
      const sent = await workflows.sendEventByKey({
        app: appName,
        correlationKey: body.correlationKey,
        workflow: body.workflow,
        name: body.name,
        payload: JSON.stringify(body.payload ?? null),
        eventId: body.eventId,
      });
      return reply.code(202).send(sent);
    },
  );

  app.post(
    `${prefix}/workflows/:id/retry`,
    { config: operation("workflows:RetryWorkflow", resourceOf) },
    async (request) => {
      const { id } = parseBody(idParams, request.params, "path");
      return instanceView(await workflows.retry(id));
    },
  );

  app.post(
    `${prefix}/workflows/:id/cancel`,
    { config: operation("workflows:CancelWorkflow", resourceOf) },
    async (request) => {
      const { id } = parseBody(idParams, request.params, "path");
      const body = parseBody(cancelBody, request.body ?? {}, "body");
      return instanceView(await workflows.cancel(id, body.reason ?? "cancelled"));
    },
  );
}

/** The workflow a keyed event names, for authorization ("*": every workflow of the app). */
function workflowOfBody(body: unknown): string {
  const workflow = (body as { workflow?: unknown } | undefined)?.workflow;
  return typeof workflow === "string" ? workflow : "*";
}
