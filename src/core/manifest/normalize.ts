// A validated manifest document becomes the typed, defaulted, frozen config the platform runs.
import { parseDuration } from "../durations.ts";
import { deepFreeze } from "../freeze.ts";
import { normalizeManifestStatements } from "../policy/schema.ts";
import type { PolicyStatement } from "../policy/types.ts";
import { type AsyncConfig, normalizeAsync } from "./async-config.ts";
import {
  type BucketConfig,
  type BucketTriggerConfig,
  normalizeBuckets,
  normalizeBucketTrigger,
} from "./buckets.ts";
import { normalizeQualifier } from "./qualifier.ts";
import {
  normalizeQueues,
  normalizeQueueTrigger,
  type QueueConfig,
  type QueueTriggerConfig,
} from "./queues.ts";
import { normalizeRouteAuth, normalizeUsagePlans, type UsagePlan } from "./route-auth.ts";
import { parseRouteKey, type RouteSpec } from "./routes.ts";
import { normalizeSchedules, type ScheduleConfig } from "./schedules.ts";
import type { FunctionDocument, ManifestDocument } from "./schema.ts";
import { normalizeTableTrigger, type TableTriggerConfig } from "./table-triggers.ts";
import { normalizeTables, type TableConfig } from "./tables.ts";
import { normalizeTopics, type TopicConfig } from "./topics.ts";
import { normalizeUserPool, type UserPoolConfig } from "./user-pool.ts";

export const FUNCTION_DEFAULTS = {
  memoryMb: 128,
  timeoutMs: 3_000,
  keepWarmMs: 5 * 60_000,
  concurrency: { min: 0, max: 10, perInstance: 1, queue: 100 },
} as const;

/** An environment variable whose value comes from the app's parameter store. */
export interface SecretReference {
  readonly name: string;
  /** Undefined: the latest version when the instance starts. */
  readonly version: number | undefined;
}

export interface HandlerRef {
  /** Path of the source file without extension, relative to the app folder: "src/api". */
  readonly file: string;
  /** Export name: "handler", "default". */
  readonly exportName: string;
}

export interface FunctionConfig {
  readonly name: string;
  readonly handler: HandlerRef;
  /** "custom": the function's folder runs as its own `bootstrap` against the Lambda Runtime API. */
  readonly runtime: "node" | "custom";
  readonly memoryMb: number;
  readonly timeoutMs: number;
  /** The declared plain values (secret references are in secretEnv). */
  readonly env: Readonly<Record<string, string>>;
  /** Variables read from the app's parameter store when an instance starts (absent in older configs). */
  readonly secretEnv?: Readonly<Record<string, SecretReference>>;
  readonly concurrency: {
    readonly min: number;
    readonly max: number;
    readonly perInstance: number;
    readonly queue: number;
  };
  readonly keepWarmMs: number;
  readonly routes: readonly RouteSpec[];
  /** Queues whose messages call the function in batches (absent in older configs: none). */
  readonly queueTriggers?: readonly QueueTriggerConfig[];
  /** Buckets whose object changes call the function (absent in older configs: none). */
  readonly bucketTriggers?: readonly BucketTriggerConfig[];
  /** Tables whose item changes call the function, in order (absent in older configs: none). */
  readonly tableTriggers?: readonly TableTriggerConfig[];
  /** Retries and destinations of async invocations (absent in older configs: the defaults). */
  readonly async?: AsyncConfig;
  /** A durable workflow (`workflow: true`; src/services/workflows/); absent: an ordinary function. */
  readonly workflow?: boolean;
  /** A durable entity (`entity: true`; src/services/entities/); absent: not one. */
  readonly entity?: boolean;
  /**
   * The function's role, resources made absolute within the app ("nrn:shop:secret/db").
   * Absent in configs stored before identity existed: treat as none (deny everything).
   */
  readonly permissions?: readonly PolicyStatement[];
}

export interface CorsConfig {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly allowCredentials: boolean;
  readonly maxAgeSeconds: number | undefined;
}

export interface AppConfig {
  readonly app: string;
  readonly cors: CorsConfig | undefined;
  readonly functions: Readonly<Record<string, FunctionConfig>>;
  /** Absent in configs stored before buckets existed: no buckets. */
  readonly buckets?: Readonly<Record<string, BucketConfig>>;
  /** Absent in configs stored before tables existed: no tables. */
  readonly tables?: Readonly<Record<string, TableConfig>>;
  /** Absent in configs stored before queues existed: no queues. */
  readonly queues?: Readonly<Record<string, QueueConfig>>;
  /** Absent in configs stored before topics existed: no topics. */
  readonly topics?: Readonly<Record<string, TopicConfig>>;
  /** Absent in configs stored before schedules existed: no schedules. */
  readonly schedules?: Readonly<Record<string, ScheduleConfig>>;
  /** The app's end users and their role; absent when the app declares none. */
  readonly userPool?: UserPoolConfig;
  /** Limits for the app's API keys, by plan name (absent in older configs: none). */
  readonly usagePlans?: Readonly<Record<string, UsagePlan>>;
}

export function parseHandler(handler: string): HandlerRef {
  const dot = handler.lastIndexOf(".");
  return { file: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

function normalizeFunction(app: string, name: string, doc: FunctionDocument): FunctionConfig {
  const events = doc.events ?? [];
  const queueTriggers = events.flatMap((event) => ("queue" in event ? [normalizeQueueTrigger(event)] : []));
  const bucketTriggers = events.flatMap((event) =>
    "bucket" in event ? [normalizeBucketTrigger(event)] : [],
  );
  const tableTriggers = events.flatMap((event) => ("table" in event ? [normalizeTableTrigger(event)] : []));
  const routes = events.flatMap((event) => {
    if (!("http" in event)) return [];
    const key = typeof event.http === "string" ? event.http : event.http.route;
    const auth = typeof event.http === "string" ? undefined : normalizeRouteAuth(event.http.auth);
    const qualifier = typeof event.http === "string" ? undefined : normalizeQualifier(event.http.qualifier);
    const route = parseRouteKey(key) as RouteSpec; // validated by the schema
    return [
      {
        ...route,
        ...(auth === undefined ? {} : { auth }),
        ...(qualifier === undefined ? {} : { qualifier }),
      },
    ];
  });
  return {
    name,
    handler: parseHandler(doc.handler),
    runtime: doc.runtime ?? "node",
    memoryMb: doc.memory ?? FUNCTION_DEFAULTS.memoryMb,
    timeoutMs: doc.timeout ? (parseDuration(doc.timeout) as number) : FUNCTION_DEFAULTS.timeoutMs,
    ...splitEnv(doc.env ?? {}),
    concurrency: { ...FUNCTION_DEFAULTS.concurrency, ...doc.concurrency },
    keepWarmMs: doc.keepWarm ? (parseDuration(doc.keepWarm) as number) : FUNCTION_DEFAULTS.keepWarmMs,
    routes,
    queueTriggers,
    bucketTriggers,
    tableTriggers,
    async: normalizeAsync(doc.async),
    ...(doc.workflow === true ? { workflow: true } : {}),
    ...(doc.entity === true ? { entity: true } : {}),
    permissions: normalizeManifestStatements(app, doc.permissions ?? []),
  };
}

function splitEnv(declared: NonNullable<FunctionDocument["env"]>): Pick<FunctionConfig, "env" | "secretEnv"> {
  const env: Record<string, string> = {};
  const secretEnv: Record<string, SecretReference> = {};
  for (const [name, value] of Object.entries(declared)) {
    if (typeof value === "string") env[name] = value;
    else secretEnv[name] = { name: value.secret, version: value.version };
  }
  return { env, secretEnv };
}

export function normalizeManifest(doc: ManifestDocument): AppConfig {
  const functions: Record<string, FunctionConfig> = {};
  for (const [name, fn] of Object.entries(doc.functions))
    functions[name] = normalizeFunction(doc.app, name, fn);
  const cors: CorsConfig | undefined = doc.cors && {
    allowOrigins: doc.cors.allowOrigins,
    allowMethods: doc.cors.allowMethods ?? ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
    allowHeaders: doc.cors.allowHeaders ?? ["content-type", "authorization"],
    exposeHeaders: doc.cors.exposeHeaders ?? [],
    allowCredentials: doc.cors.allowCredentials ?? false,
    maxAgeSeconds: doc.cors.maxAge
      ? Math.floor((parseDuration(doc.cors.maxAge) as number) / 1000)
      : undefined,
  };
  return deepFreeze({
    app: doc.app,
    cors,
    functions,
    queues: normalizeQueues(doc.queues),
    buckets: normalizeBuckets(doc.buckets),
    tables: normalizeTables(doc.tables),
    topics: normalizeTopics(doc.topics),
    schedules: normalizeSchedules(doc.schedules),
    ...(doc.userPool ? { userPool: normalizeUserPool(doc.app, doc.userPool) } : {}),
    usagePlans: normalizeUsagePlans(doc.usagePlans),
  });
}
