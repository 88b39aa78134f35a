// A function's `async:` section: how asynchronous invocations of it are retried and where
// their results go. Lambda's names and ranges, except that up to 10 retries are allowed.
import { z } from "zod";
import { formatDuration, parseDuration } from "../durations.ts";
import { durationField } from "./duration-schema.ts";
import { QUEUE_NAME } from "./queues.ts";
import { TOPIC_NAME } from "./topics.ts";

const duration = durationField;

export const ASYNC_DEFAULTS = { maximumRetryAttempts: 2, maximumEventAgeMs: 6 * 3_600_000 } as const;
const EVENT_AGE_RANGE_MS = { min: 60_000, max: 6 * 3_600_000 } as const;

const destinationSchema = z
  .union([
    z.strictObject({ queue: z.string().regex(QUEUE_NAME).describe("A queue of this app.") }),
    z.strictObject({
      function: z.string().min(1).describe("A function of this app (called asynchronously)."),
    }),
    z.strictObject({
      topic: z.string().regex(TOPIC_NAME).describe("A topic of this app (published as a CloudEvent)."),
    }),
  ])
  .describe(
    "Where the invocation record goes: { queue: <name> }, { function: <name> } or { topic: <name> }.",
  );

export const asyncSchema = z
  .strictObject({
    maximumRetryAttempts: z
      .int()
      .min(0)
      .max(10)
      .optional()
      .describe("Retries after a failed attempt (0 to 10, default 2), with exponential backoff and jitter."),
    maximumEventAge: duration(
      "how long an invocation may wait for an attempt (default 6h, 1m to 6h)",
    ).optional(),
    deadLetterQueue: z
      .string()
      .regex(QUEUE_NAME)
      .optional()
      .describe("A queue of this app that gets the payload of invocations that failed for good."),
    onSuccess: destinationSchema.optional(),
    onFailure: destinationSchema.optional(),
  })
  .describe("Asynchronous invocations of the function (nimbus invoke --async, the Event invocation type).");

export type AsyncDocument = z.infer<typeof asyncSchema>;
export type AsyncDestination =
  | { readonly queue: string }
  | { readonly function: string }
  | { readonly topic: string };

export interface AsyncConfig {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeMs: number;
  readonly deadLetterQueue: string | undefined;
  readonly onSuccess: AsyncDestination | undefined;
  readonly onFailure: AsyncDestination | undefined;
}

export function normalizeAsync(doc: AsyncDocument | undefined): AsyncConfig {
  return {
    maximumRetryAttempts: doc?.maximumRetryAttempts ?? ASYNC_DEFAULTS.maximumRetryAttempts,
    maximumEventAgeMs:
      doc?.maximumEventAge === undefined
        ? ASYNC_DEFAULTS.maximumEventAgeMs
        : (parseDuration(doc.maximumEventAge) as number),
    deadLetterQueue: doc?.deadLetterQueue,
    onSuccess: doc?.onSuccess,
    onFailure: doc?.onFailure,
  };
}

interface Problem {
  readonly path: (string | number)[];
  readonly message: string;
}

/** Destinations must exist in the app; the event age must be in Lambda's range. */
export function asyncProblems(
  functions: Readonly<Record<string, { readonly async?: AsyncDocument | undefined }>>,
  queues: Readonly<Record<string, unknown>> | undefined,
  topics: Readonly<Record<string, unknown>> | undefined,
): Problem[] {
  const problems: Problem[] = [];
  for (const [name, fn] of Object.entries(functions)) {
    const config = fn.async;
    if (!config) continue;
    const at = (key: string) => ["functions", name, "async", key];
    const age = config.maximumEventAge === undefined ? undefined : parseDuration(config.maximumEventAge);
    if (age !== undefined && (age < EVENT_AGE_RANGE_MS.min || age > EVENT_AGE_RANGE_MS.max)) {
      problems.push({
        path: at("maximumEventAge"),
        message: `must be between ${formatDuration(EVENT_AGE_RANGE_MS.min)} and ${formatDuration(EVENT_AGE_RANGE_MS.max)}`,
      });
    }
    if (config.deadLetterQueue !== undefined && !queues?.[config.deadLetterQueue]) {
      problems.push({
        path: at("deadLetterQueue"),
        message: `no queue "${config.deadLetterQueue}" is declared in queues`,
      });
    }
    for (const key of ["onSuccess", "onFailure"] as const) {
      const destination = config[key];
      if (!destination) continue;
      if ("queue" in destination && !queues?.[destination.queue]) {
        problems.push({ path: at(key), message: `no queue "${destination.queue}" is declared in queues` });
      }
      if ("function" in destination && !functions[destination.function]) {
        problems.push({ path: at(key), message: `no function "${destination.function}" in this app` });
      }
      if ("topic" in destination && !topics?.[destination.topic]) {
        problems.push({ path: at(key), message: `no topic "${destination.topic}" is declared in topics` });
      }
    }
  }
  return problems;
}
