// Topics in the platform's HTTP API: list them, and the ingest endpoint that takes CloudEvents
// from outside in binary or structured mode (docs/topics.md).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { fromHttp } from "../../core/cloudevents/index.ts";
import { appResource } from "../../core/policy/index.ts";
import { parseBody } from "../../identity/http/parse-body.ts";
import { operation } from "../../identity/index.ts";
import type { TopicService } from "./topic-service.ts";

const params = z.strictObject({ app: z.string().min(1), topic: z.string().min(1) });
const appParams = z.strictObject({ app: z.string().min(1) });
const replayBody = z.strictObject({
  from: z.iso.datetime({ offset: true }).describe("start of the range (RFC 3339), inclusive"),
  to: z.iso.datetime({ offset: true }).describe("end of the range (RFC 3339), exclusive"),
  subscription: z.int().min(0),
});

function param(request: FastifyRequest, name: string): string {
  const value = (request.params as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" ? value : "";
}

/** The body's bytes: JSON bodies arrive parsed (Fastify's JSON parser), everything else as a Buffer. */
function bodyBytes(body: unknown): Uint8Array {
  if (Buffer.isBuffer(body)) return body;
  if (body === undefined || body === null) return new Uint8Array();
  return Buffer.from(JSON.stringify(body));
}

function headersOf(request: FastifyRequest): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return headers;
}

export function registerTopicRoutes(app: FastifyInstance, prefix: string, topics: TopicService): void {
  app.get(
    `${prefix}/apps/:app/topics`,
    { config: operation("topics:ListTopics", (r) => appResource(param(r, "app"), "topic/*")) },
    async (request) => {
      const { app: appName } = parseBody(appParams, request.params, "path");
      return { topics: topics.list(appName) };
    },
  );

  app.post(
    `${prefix}/apps/:app/topics/:topic/events`,
    {
      config: operation("topics:Publish", (r) => appResource(param(r, "app"), `topic/${param(r, "topic")}`)),
    },
    async (request, reply) => {
      const { app: appName, topic } = parseBody(params, request.params, "path");
      topics.config(appName, topic); // an unknown topic is refused before the event is read
      const event = fromHttp(headersOf(request), bodyBytes(request.body));
      return reply.code(202).send(await topics.publish(appName, topic, event));
    },
  );

  app.post(
    `${prefix}/apps/:app/topics/:topic/replay`,
    {
      config: operation("topics:ReplayArchive", (r) =>
        appResource(param(r, "app"), `topic/${param(r, "topic")}`),
      ),
    },
    async (request, reply) => {
      const { app: appName, topic } = parseBody(params, request.params, "path");
      const body = parseBody(replayBody, request.body, "replay request");
      const result = await topics.replay(appName, topic, {
        fromMs: Date.parse(body.from),
        toMs: Date.parse(body.to),
        subscription: body.subscription,
      });
      return reply.code(202).send(result);
    },
  );
}
