// Topics: publishing fans an event out to every subscription whose filter matches it. A
// queue subscription gets the CloudEvent (structured JSON) as a message; a function
// subscription gets an async invocation (so the function's retries, dead-letter queue and
// destinations apply): Lambda-style handlers see the EventBridge shape, fetch-style ones the
// CloudEvent in binary mode; a webhook gets a signed POST through the same async machinery.
// Every delivery is stored durably before publish answers, and each carries the event id as its
// deduplication / idempotency key, so a publisher that retries after a failure does not deliver
// twice (within the queues' 5 minutes and async's 24 hours). A topic with an archive keeps every
// event first, and a time range of them can be replayed to one subscription.
import { randomUUID } from "node:crypto";
import { type CloudEvent, matchesPattern, toEventBridge } from "../../core/cloudevents/index.ts";
import { NimbusError } from "../../core/errors.ts";
import type { SubscriptionConfig, TopicConfig } from "../../core/manifest/topics.ts";
import type { TopicArchiveStore } from "../../store/topic-archive-ports.ts";
import type { AsyncInvocations } from "../async/index.ts";
import type { QueueService } from "../queues/index.ts";
import { webhookName } from "./webhook-target.ts";

/** Archived events read per page while replaying. */
const REPLAY_PAGE = 100;

export interface TopicServiceOptions {
  /** The topics the app's active deployment declares; undefined when the app is not deployed. */
  readonly topicsOf: (app: string) => Readonly<Record<string, TopicConfig>> | undefined;
  readonly queues: QueueService;
  readonly asyncInvocations: AsyncInvocations;
  readonly archives: TopicArchiveStore;
}

export interface PublishResult {
  readonly eventId: string;
  /** The subscriptions the event matched and was stored for. */
  readonly deliveries: readonly string[];
}

export interface ReplayRequest {
  readonly fromMs: number;
  readonly toMs: number;
  /** The subscription's position in the topic's list (0 is the first). */
  readonly subscription: number;
}

export class TopicService {
  readonly #options: TopicServiceOptions;

  constructor(options: TopicServiceOptions) {
    this.#options = options;
  }

  list(app: string): TopicConfig[] {
    return Object.values(this.#topics(app)).sort((a, b) => a.name.localeCompare(b.name));
  }

  config(app: string, topic: string): TopicConfig {
    const config = this.#topics(app)[topic];
    if (!config) {
      const known = Object.keys(this.#topics(app));
      throw new NimbusError(
        "TOPIC_NOT_FOUND",
        `App "${app}" has no topic "${topic}"${known.length > 0 ? ` (topics: ${known.join(", ")})` : ""}`,
      );
    }
    return config;
  }

  async publish(app: string, topic: string, event: CloudEvent): Promise<PublishResult> {
    const config = this.config(app, topic);
    if (config.archiveRetentionMs !== undefined) {
      await this.#options.archives.archive(
        app,
        topic,
        { eventId: event.id, eventTime: Date.parse(event.time), event: JSON.stringify(event) },
        Date.now() + config.archiveRetentionMs,
      );
    }
    const deliveries: string[] = [];
    for (const [index, subscription] of config.subscriptions.entries()) {
      if (!matches(subscription, event)) continue;
      deliveries.push(await this.#deliver(app, topic, index, subscription, event, topic));
    }
    return { eventId: event.id, deliveries };
  }

  /**
   * Delivers the archived events of [fromMs, toMs) (by event time) that match the subscription's
   * filter to that subscription again, in publish order. Each replay is a new delivery (its own
   * keys), so replaying a range twice delivers it twice, as asked.
   */
  async replay(
    app: string,
    topic: string,
    request: ReplayRequest,
  ): Promise<{ replayId: string; replayed: number }> {
    const config = this.config(app, topic);
    if (config.archiveRetentionMs === undefined) {
      throw new NimbusError(
        "BAD_REQUEST",
        `Topic "${topic}" keeps no archive; declare archive: {} on it to replay`,
      );
    }
    const subscription = config.subscriptions[request.subscription];
    if (!subscription) {
      throw new NimbusError(
        "BAD_REQUEST",
        `Topic "${topic}" has ${config.subscriptions.length} subscription(s); ${request.subscription} is not one (0 is the first)`,
      );
    }
    const replayId = randomUUID();
    let replayed = 0;
    let afterSeq = 0;
    for (;;) {
      const page = await this.#options.archives.range(app, topic, {
        fromMs: request.fromMs,
        toMs: request.toMs,
        afterSeq,
        limit: REPLAY_PAGE,
      });
      for (const archived of page) {
        const event = JSON.parse(archived.event) as CloudEvent;
        if (!matches(subscription, event)) continue;
        await this.#deliver(app, topic, request.subscription, subscription, event, `replay/${replayId}`);
        replayed++;
      }
      if (page.length < REPLAY_PAGE) return { replayId, replayed };
      afterSeq = (page.at(-1) as { seq: number }).seq;
    }
  }

  /** Stores one delivery; `keyScope` makes its deduplication key (the topic, or a replay). */
  async #deliver(
    app: string,
    topic: string,
    index: number,
    subscription: SubscriptionConfig,
    event: CloudEvent,
    keyScope: string,
  ): Promise<string> {
    const target = subscription.target;
    if ("queue" in target) {
      const fifo = this.#options.queues.config(app, target.queue).fifo;
      await this.#options.queues.send(app, target.queue, [
        {
          body: JSON.stringify(event),
          attributes: { "ce-id": event.id, "ce-type": event.type, "ce-source": event.source },
          deduplicationId: `${keyScope}/${event.id}`.slice(0, 128),
          ...(fifo ? { groupId: event.subject ?? topic } : {}),
        },
      ]);
      return `queue ${target.queue}`;
    }
    const idempotencyKey = `topic/${keyScope}/${index}/${event.id}`;
    if ("function" in target) {
      await this.#options.asyncInvocations.enqueueAsyncInvocation({
        app,
        functionName: target.function,
        payload: Buffer.from(JSON.stringify(toEventBridge(event))),
        cloudEvent: JSON.stringify(event),
        idempotencyKey,
        qualifier: target.qualifier,
      });
      return `function ${target.function}`;
    }
    await this.#options.asyncInvocations.enqueueAsyncInvocation({
      app,
      functionName: webhookName(topic, index),
      payload: Buffer.from(JSON.stringify(event)),
      idempotencyKey,
    });
    return `webhook ${target.webhook}`;
  }

  #topics(app: string): Readonly<Record<string, TopicConfig>> {
    const topics = this.#options.topicsOf(app);
    if (!topics) throw new NimbusError("APP_NOT_FOUND", `App "${app}" is not deployed`);
    return topics;
  }
}

/** Filters see the event as JSON: attributes and extensions at the top, the payload under data. */
function matches(subscription: SubscriptionConfig, event: CloudEvent): boolean {
  if (!subscription.filter) return true;
  const { extensions, ...attributes } = event;
  return matchesPattern(subscription.filter, { ...extensions, ...attributes });
}
