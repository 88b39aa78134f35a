// The `queues:` section of nimbus.yaml: SQS-style queues, their schema and their normalized,
// typed config. Limits follow SQS so that code written against SQS behaves the same here.
import { z } from "zod";
import { formatDuration, parseDuration } from "../durations.ts";
import { durationField } from "./duration-schema.ts";
import { normalizeQualifier, qualifierSchema } from "./qualifier.ts";

const duration = durationField;

export const QUEUE_NAME = /^[a-z][a-z0-9-]{0,79}$/;

export const QUEUE_LIMITS = {
  maxVisibilityTimeoutMs: 12 * 3_600_000,
  maxDelayMs: 15 * 60_000,
  minRetentionMs: 60_000,
  maxRetentionMs: 14 * 86_400_000,
  maxReceiveCount: 1_000,
} as const;

export const QUEUE_DEFAULTS = {
  visibilityTimeoutMs: 30_000,
  retentionMs: 4 * 86_400_000,
  delayMs: 0,
  /** SQS's FIFO deduplication window. */
  deduplicationWindowMs: 5 * 60_000,
} as const;

export const queueSchema = z
  .strictObject({
    visibilityTimeout: duration(
      "how long a received message stays invisible (default 30s, at most 12h)",
    ).optional(),
    retention: duration("how long an unreceived message is kept (default 4d, 1m to 14d)").optional(),
    delay: duration("how long every new message stays invisible (default 0s, at most 15m)").optional(),
    fifo: z
      .boolean()
      .optional()
      .describe("First-in-first-out per message group; every message needs a groupId (default false)."),
    contentBasedDeduplication: z
      .boolean()
      .optional()
      .describe("FIFO only: a message without a deduplicationId is deduplicated by the SHA-256 of its body."),
    deadLetter: z
      .strictObject({
        queue: z.string().regex(QUEUE_NAME).describe("A queue of this app (of the same kind: FIFO or not)."),
        maxReceiveCount: z
          .int()
          .min(1)
          .max(QUEUE_LIMITS.maxReceiveCount)
          .describe("Receives after which a message moves to the dead-letter queue."),
      })
      .optional()
      .describe("Where messages that keep failing go."),
  })
  .describe("An SQS-style queue.");

export const queuesSchema = z
  .record(
    z.string().regex(QUEUE_NAME, "queue names are lower-case letters, digits and -, up to 80"),
    queueSchema,
  )
  .describe("The app's queues by name.");

export type QueueDocument = z.infer<typeof queueSchema>;

export interface QueueConfig {
  readonly name: string;
  readonly visibilityTimeoutMs: number;
  readonly retentionMs: number;
  readonly delayMs: number;
  readonly fifo: boolean;
  readonly contentBasedDeduplication: boolean;
  readonly deadLetter: { readonly queue: string; readonly maxReceiveCount: number } | undefined;
}

interface Problem {
  readonly path: (string | number)[];
  readonly message: string;
}

function within(text: string | undefined, min: number, max: number, path: (string | number)[]): Problem[] {
  const ms = text === undefined ? undefined : parseDuration(text);
  if (ms === undefined || (ms >= min && ms <= max)) return [];
  return [{ path, message: `must be between ${formatDuration(min)} and ${formatDuration(max)}` }];
}

/** Cross-field rules the per-field schema cannot express; paths are relative to the document. */
export function queueProblems(queues: Readonly<Record<string, QueueDocument>> | undefined): Problem[] {
  const problems: Problem[] = [];
  for (const [name, queue] of Object.entries(queues ?? {})) {
    const at = (key: string) => ["queues", name, key];
    problems.push(
      ...within(queue.visibilityTimeout, 0, QUEUE_LIMITS.maxVisibilityTimeoutMs, at("visibilityTimeout")),
    );
    problems.push(
      ...within(queue.retention, QUEUE_LIMITS.minRetentionMs, QUEUE_LIMITS.maxRetentionMs, at("retention")),
    );
    problems.push(...within(queue.delay, 0, QUEUE_LIMITS.maxDelayMs, at("delay")));
    if (queue.contentBasedDeduplication && !queue.fifo) {
      problems.push({
        path: at("contentBasedDeduplication"),
        message: "only FIFO queues (fifo: true) have it",
      });
    }
    const target = queue.deadLetter?.queue;
    if (target === undefined) continue;
    const dead = queues?.[target];
    if (target === name)
      problems.push({ path: at("deadLetter"), message: "a queue cannot be its own dead-letter queue" });
    else if (!dead)
      problems.push({ path: at("deadLetter"), message: `no queue "${target}" is declared in queues` });
    else if (Boolean(dead.fifo) !== Boolean(queue.fifo)) {
      problems.push({
        path: at("deadLetter"),
        message: "the dead-letter queue must be FIFO exactly when this one is",
      });
    }
  }
  return problems;
}

function ms(text: string | undefined, fallback: number): number {
  return text === undefined ? fallback : (parseDuration(text) as number);
}

export function normalizeQueues(
  queues: Readonly<Record<string, QueueDocument>> | undefined,
): Record<string, QueueConfig> {
  const result: Record<string, QueueConfig> = {};
  for (const [name, queue] of Object.entries(queues ?? {})) {
    result[name] = {
      name,
      visibilityTimeoutMs: ms(queue.visibilityTimeout, QUEUE_DEFAULTS.visibilityTimeoutMs),
      retentionMs: ms(queue.retention, QUEUE_DEFAULTS.retentionMs),
      delayMs: ms(queue.delay, QUEUE_DEFAULTS.delayMs),
      fifo: queue.fifo ?? false,
      contentBasedDeduplication: queue.contentBasedDeduplication ?? false,
      deadLetter: queue.deadLetter && { ...queue.deadLetter },
    };
  }
  return result;
}

// ---- queues as a function trigger: `events: - queue: jobs` ----

export const QUEUE_TRIGGER_DEFAULTS = {
  batchSize: 10,
  maximumBatchingWindowMs: 0,
  maxConcurrency: 2,
} as const;
const MAX_BATCHING_WINDOW_MS = 5 * 60_000;

const queueTriggerOptions = z.strictObject({
  name: z.string().regex(QUEUE_NAME).describe("A queue declared under queues:."),
  batchSize: z.int().min(1).max(10).optional().describe("Messages per call, at most (1 to 10, default 10)."),
  maximumBatchingWindow: duration(
    "how long to gather messages for a fuller batch (default 0s, at most 5m)",
  ).optional(),
  maxConcurrency: z
    .int()
    .min(1)
    .max(1_000)
    .optional()
    .describe("Batches of this queue in flight at once on a node (default 2)."),
  qualifier: qualifierSchema.optional(),
});

export const queueEventSchema = z.strictObject({
  queue: z
    .union([z.string().regex(QUEUE_NAME), queueTriggerOptions])
    .describe(
      "Call the function with batches of the queue's messages; failed ones come back after the visibility timeout.",
    ),
});

export type QueueEventDocument = z.infer<typeof queueEventSchema>;

export interface QueueTriggerConfig {
  readonly queue: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowMs: number;
  readonly maxConcurrency: number;
  /** An alias or version number the trigger calls (qualifier.ts); absent: the latest version. */
  readonly qualifier?: string;
}

export function normalizeQueueTrigger(event: QueueEventDocument): QueueTriggerConfig {
  const options = typeof event.queue === "string" ? { name: event.queue } : event.queue;
  const qualifier = "qualifier" in options ? normalizeQualifier(options.qualifier) : undefined;
  return {
    queue: options.name,
    batchSize: options.batchSize ?? QUEUE_TRIGGER_DEFAULTS.batchSize,
    maximumBatchingWindowMs: ms(
      options.maximumBatchingWindow,
      QUEUE_TRIGGER_DEFAULTS.maximumBatchingWindowMs,
    ),
    maxConcurrency: options.maxConcurrency ?? QUEUE_TRIGGER_DEFAULTS.maxConcurrency,
    ...(qualifier === undefined ? {} : { qualifier }),
  };
}

interface TriggeringFunction {
  readonly timeout?: string | undefined;
  readonly events?: readonly object[] | undefined;
}

/**
 * A trigger must name a declared queue, and the function's timeout may not exceed the queue's
 * visibility timeout (as SQS requires of Lambda): otherwise a batch still running would be
 * delivered again.
 */
export function queueTriggerProblems(
  functions: Readonly<Record<string, TriggeringFunction>>,
  queues: Readonly<Record<string, QueueDocument>> | undefined,
  defaultTimeoutMs: number,
): Problem[] {
  const problems: Problem[] = [];
  for (const [name, fn] of Object.entries(functions)) {
    (fn.events ?? []).forEach((event, index) => {
      if (!("queue" in event)) return;
      const trigger = normalizeQueueTrigger(event as QueueEventDocument);
      const path = ["functions", name, "events", index, "queue"];
      const queue = queues?.[trigger.queue];
      if (!queue) {
        problems.push({ path, message: `no queue "${trigger.queue}" is declared in queues` });
        return;
      }
      if (trigger.maximumBatchingWindowMs > MAX_BATCHING_WINDOW_MS) {
        problems.push({ path, message: "maximumBatchingWindow may be at most 5m" });
      }
      const timeoutMs = fn.timeout === undefined ? defaultTimeoutMs : (parseDuration(fn.timeout) ?? 0);
      const visibilityMs = ms(queue.visibilityTimeout, QUEUE_DEFAULTS.visibilityTimeoutMs);
      if (timeoutMs > visibilityMs) {
        problems.push({
          path,
          message: `the function's timeout (${formatDuration(timeoutMs)}) exceeds queue "${trigger.queue}"'s visibilityTimeout (${formatDuration(visibilityMs)}); raise the visibilityTimeout`,
        });
      }
    });
  }
  return problems;
}
