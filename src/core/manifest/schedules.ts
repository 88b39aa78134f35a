// The `schedules:` section of nimbus.yaml: cron expressions (with a time zone, via croner) and
// rate expressions, targeting a function (async invocation) or a topic, with a policy for fires
// missed while the platform was down.
import { Cron } from "croner";
import { z } from "zod";
import { normalizeQualifier, qualifierSchema } from "./qualifier.ts";
import { TOPIC_NAME } from "./topics.ts";

const SCHEDULE_NAME = /^[a-z][a-z0-9-]{0,79}$/;
const RATE = /^rate\((\d+) (second|seconds|minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.+)\)$/;
const UNIT_MS = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

export const scheduleSchema = z
  .strictObject({
    schedule: z
      .string()
      .describe(
        '"rate(5 minutes)" (seconds, minutes, hours, days) or "cron(0 3 * * *)" (5 fields, or 6 with seconds first).',
      ),
    timezone: z
      .string()
      .optional()
      .describe('An IANA time zone for cron expressions, e.g. "Europe/Paris" (default UTC).'),
    target: z.union([
      z.strictObject({
        function: z.string().min(1).describe("A function of this app, called asynchronously."),
        qualifier: qualifierSchema.optional(),
      }),
      z.strictObject({ topic: z.string().regex(TOPIC_NAME).describe("A topic of this app.") }),
    ]),
    input: z.unknown().optional().describe("The event's data (JSON)."),
    missedFires: z
      .enum(["skip", "fireOnce"])
      .optional()
      .describe(
        'Fires missed while the platform was down: "skip" them (default), or "fireOnce" for the latest.',
      ),
  })
  .describe("A schedule: fires an event at the times its expression names.");

export const schedulesSchema = z.record(
  z.string().regex(SCHEDULE_NAME, "schedule names are lower-case letters, digits and -"),
  scheduleSchema,
);

export type ScheduleDocument = z.infer<typeof scheduleSchema>;

export type ScheduleExpression =
  | { readonly kind: "rate"; readonly everyMs: number }
  | { readonly kind: "cron"; readonly pattern: string; readonly timezone: string };

export interface ScheduleConfig {
  readonly name: string;
  readonly expression: ScheduleExpression;
  /** qualifier: an alias or version number (qualifier.ts); absent: the latest version. */
  readonly target: { readonly function: string; readonly qualifier?: string } | { readonly topic: string };
  readonly input: unknown;
  readonly missedFires: "skip" | "fireOnce";
}

/** The expression, or why it is not one. */
export function parseScheduleExpression(text: string, timezone = "UTC"): ScheduleExpression | string {
  const rate = RATE.exec(text.trim());
  if (rate) {
    const amount = Number(rate[1]);
    const unit = (rate[2] as string).replace(/s$/, "") as keyof typeof UNIT_MS;
    if (amount < 1) return "a rate must be at least 1";
    return { kind: "rate", everyMs: amount * UNIT_MS[unit] };
  }
  const cron = CRON.exec(text.trim());
  if (!cron) return 'expected "rate(<n> <minutes|hours|days|seconds>)" or "cron(<expression>)"';
  const pattern = (cron[1] as string).trim();
  try {
    new Cron(pattern, { timezone, paused: true }).nextRun();
  } catch (error) {
    return `invalid cron expression or time zone: ${(error as Error).message.split(". ")[0]}`;
  }
  return { kind: "cron", pattern, timezone };
}

/** The first fire time strictly after `afterMs`. */
export function nextFireAfter(
  expression: ScheduleExpression,
  afterMs: number,
  anchorMs: number,
): number | undefined {
  if (expression.kind === "rate") {
    // Rates tick on a grid from the anchor, so restarts do not shift them.
    const periods = Math.floor((afterMs - anchorMs) / expression.everyMs) + 1;
    return anchorMs + Math.max(1, periods) * expression.everyMs;
  }
  const next = new Cron(expression.pattern, { timezone: expression.timezone, paused: true }).nextRun(
    new Date(afterMs),
  );
  return next ? next.getTime() : undefined;
}

interface Problem {
  readonly path: (string | number)[];
  readonly message: string;
}

export function scheduleProblems(
  schedules: Readonly<Record<string, ScheduleDocument>> | undefined,
  functions: Readonly<Record<string, unknown>>,
  topics: Readonly<Record<string, unknown>> | undefined,
): Problem[] {
  const problems: Problem[] = [];
  for (const [name, schedule] of Object.entries(schedules ?? {})) {
    const parsed = parseScheduleExpression(schedule.schedule, schedule.timezone);
    if (typeof parsed === "string") problems.push({ path: ["schedules", name, "schedule"], message: parsed });
    else if (parsed.kind === "rate" && schedule.timezone !== undefined) {
      problems.push({
        path: ["schedules", name, "timezone"],
        message: "only cron schedules take a time zone",
      });
    }
    const target = schedule.target;
    if ("function" in target && !functions[target.function]) {
      problems.push({
        path: ["schedules", name, "target"],
        message: `no function "${target.function}" in this app`,
      });
    }
    if ("topic" in target && !topics?.[target.topic]) {
      problems.push({
        path: ["schedules", name, "target"],
        message: `no topic "${target.topic}" is declared in topics`,
      });
    }
  }
  return problems;
}

function targetOf(target: ScheduleDocument["target"]): ScheduleConfig["target"] {
  if ("topic" in target) return { topic: target.topic };
  const qualifier = normalizeQualifier(target.qualifier);
  return { function: target.function, ...(qualifier === undefined ? {} : { qualifier }) };
}

export function normalizeSchedules(
  schedules: Readonly<Record<string, ScheduleDocument>> | undefined,
): Record<string, ScheduleConfig> {
  const result: Record<string, ScheduleConfig> = {};
  for (const [name, schedule] of Object.entries(schedules ?? {})) {
    result[name] = {
      name,
      expression: parseScheduleExpression(schedule.schedule, schedule.timezone) as ScheduleExpression,
      target: targetOf(schedule.target),
      input: schedule.input ?? {},
      missedFires: schedule.missedFires ?? "skip",
    };
  }
  return result;
}
