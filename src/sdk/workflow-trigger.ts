// A workflow function called by a trigger (an HTTP route, a queue, a topic subscription, a
// schedule) instead of a replay: each event starts an instance of this workflow with the event
// as its input, and the call answers at once. The instance id comes from the event (its
// CloudEvents id, a queue message's id, an HTTP Idempotency-Key header), so an event delivered
// twice starts one instance. The platform lets every workflow function start itself.
import { createHash } from "node:crypto";
import { workflows } from "./workflows.ts";

/** ce-type of a batch of queue messages (src/services/queues/queue-batch-event.ts). */
const QUEUE_BATCH_TYPE = "nimbus.queue.batch";
const ID_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

function instanceIdOf(functionName: string, source: string): string {
  const id = `${functionName}-${source}`;
  return ID_PATTERN.test(id) ? id : `${functionName}-${createHash("sha256").update(source).digest("hex")}`;
}

function parsedBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

interface QueueBatch {
  readonly messages?: readonly { readonly id: string; readonly body: string }[];
}

/** Starts one instance per event in the request (its body is `text`); answers 202 with them. */
export async function startFromTrigger(request: Request, text: string): Promise<Response> {
  const workflow = process.env.NIMBUS_FUNCTION_NAME ?? "";
  const ceId = request.headers.get("ce-id");
  const ceType = request.headers.get("ce-type") ?? "";
  const starts: { input: unknown; instanceId: string | undefined }[] = [];
  const queueMessages = ceType === QUEUE_BATCH_TYPE ? (parsedBody(text) as QueueBatch).messages : undefined;
  if (Array.isArray(queueMessages)) {
    for (const message of queueMessages) {
      starts.push({
        input: { messageId: message.id, body: parsedBody(message.body) },
        instanceId: instanceIdOf(workflow, `msg-${message.id}`),
      });
    }
  } else if (ceId !== null) {
    starts.push({
      input: {
        id: ceId,
        source: request.headers.get("ce-source"),
        type: ceType,
        subject: request.headers.get("ce-subject") ?? undefined,
        time: request.headers.get("ce-time") ?? undefined,
        data: parsedBody(text),
      },
      instanceId: instanceIdOf(workflow, ceId),
    });
  } else {
    const url = new URL(request.url);
    const idempotencyKey = request.headers.get("idempotency-key");
    starts.push({
      input: {
        method: request.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: text === "" ? null : parsedBody(text),
      },
      instanceId: idempotencyKey === null ? undefined : instanceIdOf(workflow, idempotencyKey),
    });
  }
  const started = [];
  for (const start of starts) {
    started.push(
      await workflows.start(
        workflow,
        start.input,
        start.instanceId === undefined ? {} : { instanceId: start.instanceId },
      ),
    );
  }
  const body = queueMessages ? { instances: started, batchItemFailures: [] } : started[0];
  return Response.json(body, { status: 202 });
}
