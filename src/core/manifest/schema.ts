// The nimbus.yaml schema. It describes the document as written (no transforms), so the
// JSON Schema generated from it (schema/nimbus.schema.json) is what editors autocomplete;
// normalize.ts turns a valid document into the frozen, typed config the platform uses.
import { z } from "zod";
import { DURATION_PATTERN } from "../durations.ts";
import { manifestPermissionsSchema } from "../policy/schema.ts";
import { SECRET_NAME, SECRET_NAME_MAX_LENGTH, SECRET_NAME_RULE } from "../secret-names.ts";
import { asyncProblems, asyncSchema } from "./async-config.ts";
import { bucketWebsiteProblems } from "./bucket-website.ts";
import { bucketEventSchema, bucketsSchema, bucketTriggerProblems } from "./buckets.ts";
import { qualifierSchema } from "./qualifier.ts";
import { queueEventSchema, queueProblems, queuesSchema, queueTriggerProblems } from "./queues.ts";
import { routeAuthProblems, routeAuthSchema, usagePlansSchema } from "./route-auth.ts";
import { parseRouteKey } from "./routes.ts";
import { scheduleProblems, schedulesSchema } from "./schedules.ts";
import { tableEventSchema, tableTriggerProblems } from "./table-triggers.ts";
import { tableProblems, tablesSchema } from "./tables.ts";
import { topicProblems, topicsSchema } from "./topics.ts";
import { userPoolProblems, userPoolSchema } from "./user-pool.ts";

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const HANDLER = /^(?:[A-Za-z0-9_@.-]+\/)*[A-Za-z0-9_@-]+(?:\.[A-Za-z0-9_-]+)*\.[A-Za-z_$][A-Za-z0-9_$]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const duration = (what: string) =>
  z
    .string()
    .regex(DURATION_PATTERN, `expected a duration such as "500ms", "30s", "5m" or "1h" for ${what}`)
    .describe(`${what}, as a duration: "500ms", "30s", "5m", "1h", "2d"`);

const routeKey = z
  .string()
  .superRefine((text, ctx) => {
    const parsed = parseRouteKey(text);
    if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
  })
  .describe('"METHOD /path" with {param} and a final greedy {path+}, METHOD may be ANY; or "$default"');

const secretReference = z
  .strictObject({
    secret: z
      .string()
      .max(SECRET_NAME_MAX_LENGTH)
      .regex(SECRET_NAME, `parameter names are ${SECRET_NAME_RULE}`)
      .describe("The parameter's name in the app's parameter store (nimbus secrets set <name>)."),
    version: z.int().min(1).optional().describe("A fixed version; the latest when absent."),
  })
  .describe("A value from the app's parameter store, read when an instance starts.");

const httpEvent = z.strictObject({
  http: z.union([
    routeKey,
    z.strictObject({
      route: routeKey,
      auth: routeAuthSchema.optional(),
      qualifier: qualifierSchema.optional(),
    }),
  ]),
});

const concurrency = z
  .strictObject({
    min: z.int().min(0).max(100).optional().describe("Instances kept warm at all times (default 0)."),
    max: z.int().min(1).max(1000).optional().describe("Most instances at once (default 10)."),
    perInstance: z
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe("Calls one instance takes at once (default 1)."),
    queue: z
      .int()
      .min(0)
      .max(100_000)
      .optional()
      .describe("Calls that may wait when every instance is busy; past it callers get 429 (default 100)."),
  })
  .refine((value) => (value.min ?? 0) <= (value.max ?? 10), {
    message: "concurrency.min must not exceed max",
  });

export const functionSchema = z.strictObject({
  handler: z
    .string()
    .regex(HANDLER, 'expected "path/to/file.exportName", for example "src/api.handler" or "hello.default"')
    .describe('The file path without extension, a dot, then the export name: "src/api.handler".'),
  runtime: z
    .enum(["node", "custom"])
    .optional()
    .describe(
      'The runtime: "node" (default), or "custom" for any language through the Lambda Runtime API: the folder of the handler path ("bash/function.handler" → bash/) is the package, it must hold an executable "bootstrap", and _HANDLER is the rest of the path ("function.handler").',
    ),
  memory: z.int().min(128).max(10_240).optional().describe("Memory limit in MB (default 128)."),
  timeout: duration("the call timeout (default 3s)").optional(),
  env: z
    .record(
      z.string().regex(ENV_NAME, "environment variable names are letters, digits and _"),
      z.union([z.string(), secretReference]),
    )
    .optional()
    .describe(
      "Environment variables of the function's processes; nothing else is inherited. A value { secret: <name> } is read from the app's parameter store when each instance starts (the function's permissions must allow secrets:GetSecret on it).",
    ),
  concurrency: concurrency.optional(),
  keepWarm: duration("how long an idle instance is kept before it stops (default 5m)").optional(),
  events: z
    .array(z.union([httpEvent, queueEventSchema, bucketEventSchema, tableEventSchema]))
    .optional()
    .describe("What triggers the function."),
  async: asyncSchema.optional(),
  workflow: z
    .boolean()
    .optional()
    .describe(
      "true: the function is a durable workflow (its export is `workflow(...)` from nimbus/sdk); it is started with `nimbus workflows start` or POST /_nimbus/apps/<app>/workflows/<name>, not called directly.",
    ),
  entity: z
    .boolean()
    .optional()
    .describe(
      "true: the function is a durable entity (its export is `entity(<function name>, { state, handlers })` from nimbus/sdk); its operations are called with `nimbus entities call` or POST /_nimbus/apps/<app>/entities/<name>/<key>/call/<operation>, not directly.",
    ),
  permissions: manifestPermissionsSchema
    .optional()
    .describe(
      'The function\'s role: IAM-style statements on the app\'s resources (relative: "secret/db", "table/orders", "*"). None: the function can reach nothing.',
    ),
});

const cors = z.strictObject({
  allowOrigins: z.array(z.string()).min(1).describe('Origins allowed, or ["*"].'),
  allowMethods: z.array(z.string()).optional(),
  allowHeaders: z.array(z.string()).optional(),
  exposeHeaders: z.array(z.string()).optional(),
  allowCredentials: z.boolean().optional(),
  maxAge: duration("how long browsers may cache a preflight answer").optional(),
});

export const manifestSchema = z
  .strictObject({
    app: z.string().regex(NAME, "app names are lower-case letters, digits and -, starting with a letter"),
    cors: cors.optional().describe("CORS for every route of the app."),
    functions: z
      .record(z.string().regex(FUNCTION_NAME, "function names are letters, digits, _ and -"), functionSchema)
      .describe("The app's functions by name."),
    queues: queuesSchema.optional(),
    buckets: bucketsSchema.optional(),
    tables: tablesSchema.optional(),
    topics: topicsSchema.optional(),
    schedules: schedulesSchema.optional().describe("The app's schedules by name."),
    userPool: userPoolSchema.optional(),
    usagePlans: usagePlansSchema.optional(),
  })
  .superRefine((doc, ctx) => {
    for (const problem of queueProblems(doc.queues)) ctx.addIssue({ code: "custom", ...problem });
    // 3 s: FUNCTION_DEFAULTS.timeoutMs (normalize.ts imports this file, so it is not imported here).
    for (const problem of bucketTriggerProblems(doc.functions, doc.buckets))
      ctx.addIssue({ code: "custom", ...problem });
    for (const problem of bucketWebsiteProblems(doc.functions, doc.buckets))
      ctx.addIssue({ code: "custom", ...problem });
    for (const problem of queueTriggerProblems(doc.functions, doc.queues, 3_000)) {
      ctx.addIssue({ code: "custom", ...problem });
    }
    for (const problem of asyncProblems(doc.functions, doc.queues, doc.topics)) {
      ctx.addIssue({ code: "custom", ...problem });
    }
    for (const problem of topicProblems(doc.topics, doc.functions, doc.queues)) {
      ctx.addIssue({ code: "custom", ...problem });
    }
    for (const problem of scheduleProblems(doc.schedules, doc.functions, doc.topics)) {
      ctx.addIssue({ code: "custom", ...problem });
    }
    for (const problem of userPoolProblems(doc.userPool)) ctx.addIssue({ code: "custom", ...problem });
    for (const problem of tableProblems(doc.tables)) ctx.addIssue({ code: "custom", ...problem });
    for (const problem of tableTriggerProblems(doc.functions, doc.tables))
      ctx.addIssue({ code: "custom", ...problem });
    for (const problem of routeAuthProblems(doc)) ctx.addIssue({ code: "custom", ...problem });
    for (const [name, fn] of Object.entries(doc.functions)) {
      if (fn.entity === true && fn.workflow === true)
        ctx.addIssue({
          code: "custom",
          path: ["functions", name, "entity"],
          message: "a function is an entity or a workflow, not both",
        });
    }
  })
  .describe("A Nimbus app: nimbus.yaml");

export type ManifestDocument = z.infer<typeof manifestSchema>;
export type FunctionDocument = z.infer<typeof functionSchema>;
