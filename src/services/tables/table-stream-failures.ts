// Where a stream batch that failed for good goes: the function's dead-letter queue and its
// onFailure destination (`async:` in the manifest), as for its async invocations.
import { type CloudEvent, newCloudEvent } from "../../core/cloudevents/index.ts";
import type { FunctionConfig } from "../../core/manifest/normalize.ts";

export interface StreamFailureTargets {
  sendToQueue(app: string, queue: string, body: string): Promise<unknown>;
  invokeAsync(app: string, functionName: string, payload: Uint8Array): Promise<unknown>;
  publish(app: string, topic: string, event: CloudEvent): Promise<unknown>;
}

/** Sends the failure record; returns where it went (empty: nowhere configured, the batch is skipped). */
export async function sendStreamFailure(
  targets: StreamFailureTargets,
  app: string,
  fn: FunctionConfig,
  record: string,
): Promise<string[]> {
  const sentTo: string[] = [];
  const deadLetterQueue = fn.async?.deadLetterQueue;
  if (deadLetterQueue !== undefined) {
    await targets.sendToQueue(app, deadLetterQueue, record);
    sentTo.push(`queue ${deadLetterQueue}`);
  }
  const destination = fn.async?.onFailure;
  if (destination && "queue" in destination) {
    await targets.sendToQueue(app, destination.queue, record);
    sentTo.push(`queue ${destination.queue}`);
  } else if (destination && "topic" in destination) {
    const event = newCloudEvent({
      source: "nimbus.tables",
      type: "nimbus.table.stream.failure",
      datacontenttype: "application/json",
      data: JSON.parse(record),
    });
    await targets.publish(app, destination.topic, event);
    sentTo.push(`topic ${destination.topic}`);
  } else if (destination) {
    await targets.invokeAsync(app, destination.function, Buffer.from(record));
    sentTo.push(`function ${destination.function}`);
  }
  return sentTo;
}
