// Publishing CloudEvents to the app's topics from function code. The function's permissions
// must allow topics:Publish on "topic/<name>".
import { currentApp, platformRequest } from "./platform-client.ts";

export interface PublishInput {
  /** The event type, e.g. "order.created". */
  readonly type: string;
  readonly data?: unknown;
  /** Default: /apps/<app>/functions/<this function>. */
  readonly source?: string;
  readonly subject?: string;
  /** Default: a new UUID. Subscribers deduplicate by it; a repeated id is delivered once. */
  readonly id?: string;
}

export interface PublishResult {
  readonly eventId: string;
  readonly deliveries: readonly string[];
}

export const topics = {
  /** Resolves once every matching subscription's delivery is stored durably. */
  async publish(topic: string, event: PublishInput): Promise<PublishResult> {
    const source =
      event.source ?? `/apps/${currentApp()}/functions/${process.env.NIMBUS_FUNCTION_NAME ?? "unknown"}`;
    return platformRequest<PublishResult>(
      "POST",
      `/apps/${encodeURIComponent(currentApp())}/topics/${encodeURIComponent(topic)}/events`,
      {
        // The whole event as JSON: a JSON body without ce-* headers is read as structured mode.
        specversion: "1.0",
        id: event.id ?? crypto.randomUUID(),
        source,
        type: event.type,
        time: new Date().toISOString(),
        ...(event.subject === undefined ? {} : { subject: event.subject }),
        ...(event.data === undefined ? {} : { datacontenttype: "application/json", data: event.data }),
      },
    );
  },
};
