// Schedules in the platform's HTTP API: what is declared, when each fired last and fires next.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { NimbusError } from "../../core/errors.ts";
import type { AppConfig } from "../../core/manifest/normalize.ts";
import { nextFireAfter } from "../../core/manifest/schedules.ts";
import { appResource } from "../../core/policy/index.ts";
import { parseBody } from "../../identity/http/parse-body.ts";
import { operation } from "../../identity/index.ts";
import type { ScheduleStore } from "../../store/schedule-ports.ts";

const appParams = z.strictObject({ app: z.string().min(1) });

function param(request: FastifyRequest, name: string): string {
  const value = (request.params as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" ? value : "";
}

export function registerScheduleRoutes(
  app: FastifyInstance,
  prefix: string,
  deps: { readonly configOf: (app: string) => AppConfig | undefined; readonly store: ScheduleStore },
): void {
  app.get(
    `${prefix}/apps/:app/schedules`,
    { config: operation("schedules:ListSchedules", (r) => appResource(param(r, "app"), "schedule/*")) },
    async (request) => {
      const { app: appName } = parseBody(appParams, request.params, "path");
      const config = deps.configOf(appName);
      if (!config) throw new NimbusError("APP_NOT_FOUND", `App "${appName}" is not deployed`);
      const states = new Map((await deps.store.listStates(appName)).map((state) => [state.name, state]));
      const now = Date.now();
      return {
        schedules: Object.values(config.schedules ?? {}).map((schedule) => {
          const state = states.get(schedule.name);
          const after = Math.max(now, state?.lastFireAt ?? now);
          return {
            ...schedule,
            lastFireAt: state && state.lastFireAt !== state.anchorAt ? state.lastFireAt : undefined,
            nextFireAt: nextFireAfter(schedule.expression, after, state?.anchorAt ?? now),
          };
        }),
      };
    },
  );
}
