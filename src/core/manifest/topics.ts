// The `topics:` section of nimbus.yaml: pub/sub topics and their subscriptions, each with an
// optional EventBridge-style filter (core/cloudevents/event-filter.ts) checked at deploy.
import { z } from "zod";
import { type EventPattern, eventPatternProblems } from "../cloudevents/event-filter.ts";
import { DURATION_PATTERN, formatDuration, parseDuration } from "../durations.ts";
import { normalizeQualifier, qualifierSchema } from "./qualifier.ts";
import { QUEUE_NAME } from "./queues.ts";

export const TOPIC_NAME = /^[a-z][a-z0-9-]{0,79}$/;

const filter = z
  .record(z.string(), z.unknown())
  .optional()
  .describe(
    'An EventBridge-style pattern on the CloudEvent: { type: ["order.created"], data: { total: [{ numeric: [">", 100] }] } }; matchers: values, prefix, anything-but, numeric, exists.',
  );

const subscriptionSchema = z.union([
  z.strictObject({ queue: z.string().regex(QUEUE_NAME).describe("A queue of this app."), filter }),
  z.strictObject({
    function: z
      .string()
      .min(1)
      .describe("A function of this app; called asynchronously (its async: settings apply)."),
    qualifier: qualifierSchema.optional(),
    filter,
  }),
  z.strictObject({
    webhook: z
      .url({ protocol: /^https?$/, message: "expected an http(s) URL" })
      .describe("POSTs the event (structured CloudEvent JSON) to this URL, signed with HMAC-SHA256."),
    secret: z
      .string()
      .min(1)
      .describe("The name of a parameter (nimbus secrets set <name>) holding the signing key."),
    maximumRetryAttempts: z
      .int()
      .min(0)
      .max(10)
      .optional()
      .describe("Retries after a failed delivery (non-2xx or no answer), with backoff (default 5)."),
    filter,
  }),
]);

export const topicsSchema = z
  .record(
    z.string().regex(TOPIC_NAME, "topic names are lower-case letters, digits and -, up to 80"),
    z.strictObject({
      subscriptions: z.array(subscriptionSchema).optional(),
      archive: z
        .strictObject({
          retention: z
            .string()
            .regex(DURATION_PATTERN, 'expected a duration such as "7d" or "12h"')
            .optional()
            .describe("How long archived events are kept (default 30d, 1h to 365d)."),
        })
        .optional()
        .describe("Keep every published event, so a time range can be replayed to a subscription."),
    }),
  )
  .describe("The app's topics by name; publishing sends each event to every matching subscription.");

export type TopicsDocument = z.infer<typeof topicsSchema>;

export const WEBHOOK_DEFAULT_RETRIES = 5;

export type SubscriptionTarget =
  | { readonly queue: string }
  /** qualifier: an alias or version number (qualifier.ts); absent: the latest version. */
  | { readonly function: string; readonly qualifier?: string }
  | { readonly webhook: string; readonly secret: string; readonly maximumRetryAttempts: number };

export interface SubscriptionConfig {
  readonly target: SubscriptionTarget;
  readonly filter: EventPattern | undefined;
}

export const ARCHIVE_RETENTION = {
  defaultMs: 30 * 86_400_000,
  minMs: 3_600_000,
  maxMs: 365 * 86_400_000,
} as const;

export interface TopicConfig {
  readonly name: string;
  readonly subscriptions: readonly SubscriptionConfig[];
  /** Kept published events this long; undefined: the topic keeps no archive. */
  readonly archiveRetentionMs?: number | undefined;
}

function targetOf(
  subscription: NonNullable<TopicsDocument[string]["subscriptions"]>[number],
): SubscriptionTarget {
  if ("queue" in subscription) return { queue: subscription.queue };
  if ("function" in subscription) {
    const qualifier = normalizeQualifier(subscription.qualifier);
    return { function: subscription.function, ...(qualifier === undefined ? {} : { qualifier }) };
  }
  return {
    webhook: subscription.webhook,
    secret: subscription.secret,
    maximumRetryAttempts: subscription.maximumRetryAttempts ?? WEBHOOK_DEFAULT_RETRIES,
  };
}

export function normalizeTopics(doc: TopicsDocument | undefined): Record<string, TopicConfig> {
  const topics: Record<string, TopicConfig> = {};
  for (const [name, topic] of Object.entries(doc ?? {})) {
    topics[name] = {
      name,
      archiveRetentionMs: topic.archive
        ? topic.archive.retention === undefined
          ? ARCHIVE_RETENTION.defaultMs
          : parseDuration(topic.archive.retention)
        : undefined,
      subscriptions: (topic.subscriptions ?? []).map((subscription) => ({
        target: targetOf(subscription),
        filter: subscription.filter as EventPattern | undefined,
      })),
    };
  }
  return topics;
}

interface Problem {
  readonly path: (string | number)[];
  readonly message: string;
}

/** Subscriptions must name declared queues and functions, and their filters must be valid. */
export function topicProblems(
  topics: TopicsDocument | undefined,
  functions: Readonly<Record<string, unknown>>,
  queues: Readonly<Record<string, unknown>> | undefined,
): Problem[] {
  const problems: Problem[] = [];
  for (const [name, topic] of Object.entries(topics ?? {})) {
    const retentionMs =
      topic.archive?.retention === undefined ? undefined : parseDuration(topic.archive.retention);
    if (
      retentionMs !== undefined &&
      (retentionMs < ARCHIVE_RETENTION.minMs || retentionMs > ARCHIVE_RETENTION.maxMs)
    ) {
      problems.push({
        path: ["topics", name, "archive", "retention"],
        message: `must be between ${formatDuration(ARCHIVE_RETENTION.minMs)} and ${formatDuration(ARCHIVE_RETENTION.maxMs)}`,
      });
    }
    for (const [index, subscription] of (topic.subscriptions ?? []).entries()) {
      const path = ["topics", name, "subscriptions", index];
      if ("queue" in subscription && !queues?.[subscription.queue]) {
        problems.push({
          path: [...path, "queue"],
          message: `no queue "${subscription.queue}" is declared in queues`,
        });
      }
      if ("function" in subscription && !functions[subscription.function]) {
        problems.push({
          path: [...path, "function"],
          message: `no function "${subscription.function}" in this app`,
        });
      }
      if (subscription.filter !== undefined) {
        for (const problem of eventPatternProblems(subscription.filter)) {
          problems.push({ path, message: problem }); // the problem names its place in the filter
        }
      }
    }
  }
  return problems;
}
