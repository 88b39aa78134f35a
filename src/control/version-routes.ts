// The admin API of function versions and aliases:
//   GET  /_nimbus/apps/:app/functions/:fn/versions                 versions, latest, aliases
//   PUT  /_nimbus/apps/:app/functions/:fn/aliases/:alias           { version, canary?: { version, weight } }
//   POST /_nimbus/apps/:app/functions/:fn/aliases/:alias/rollback  instant rollback
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { NimbusError } from "../core/errors.ts";
import { operation } from "../identity/index.ts";
import type {
  AliasRecord,
  FunctionVersionRecord,
  FunctionVersionStore,
} from "../store/function-version-ports.ts";
import { functionOf } from "./admin-operations.ts";
import type { Deployer } from "./deployer.ts";

export interface FunctionVersionsView {
  readonly functionName: string;
  /** The version unqualified calls ($LATEST) run, on this node. */
  readonly latest: number | undefined;
  readonly versions: readonly Omit<FunctionVersionRecord, "config">[];
  readonly aliases: readonly AliasRecord[];
}

const functionParams = z.strictObject({ app: z.string().min(1), fn: z.string().min(1) });
const aliasParams = functionParams.extend({ alias: z.string().min(1) });
const versionsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(50) });
const aliasBody = z.strictObject({
  version: z.int().min(1),
  canary: z.strictObject({ version: z.int().min(1), weight: z.number().gt(0).lt(1) }).optional(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".") || what}: ${issue.message}`);
  throw new NimbusError("BAD_REQUEST", `Invalid ${what}: ${problems.join("; ")}`, { details: { problems } });
}

export function registerVersionRoutes(
  app: FastifyInstance,
  prefix: string,
  deps: { readonly deployer: Deployer; readonly versions: FunctionVersionStore },
): void {
  const { deployer, versions } = deps;
  app.get(
    `${prefix}/apps/:app/functions/:fn/versions`,
    { config: operation("functions:ListVersions", functionOf) },
    async (request): Promise<FunctionVersionsView> => {
      const { app: appName, fn } = parse(functionParams, request.params, "path");
      const { limit } = parse(versionsQuery, request.query, "query");
      const listed = await versions.listVersions(appName, fn, limit);
      if (listed.length === 0) {
        throw new NimbusError("FUNCTION_NOT_FOUND", `App "${appName}" has no function "${fn}" with versions`);
      }
      const latest = deployer.live(appName)?.pools.get(fn)?.deployment.version;
      return {
        functionName: fn,
        latest: latest === undefined ? undefined : Number(latest),
        versions: listed.map(({ config: _config, ...record }) => record),
        aliases: (await versions.listAliases(appName)).filter((alias) => alias.functionName === fn),
      };
    },
  );
  app.put(
    `${prefix}/apps/:app/functions/:fn/aliases/:alias`,
    { config: operation("functions:UpdateAlias", functionOf) },
    async (request) => {
      const { app: appName, fn, alias } = parse(aliasParams, request.params, "path");
      const body = parse(aliasBody, request.body, "alias");
      return { alias: await deployer.setAlias(appName, fn, alias, body) };
    },
  );
  app.post(
    `${prefix}/apps/:app/functions/:fn/aliases/:alias/rollback`,
    { config: operation("functions:UpdateAlias", functionOf) },
    async (request) => {
      const { app: appName, fn, alias } = parse(aliasParams, request.params, "path");
      return { alias: await deployer.rollbackAlias(appName, fn, alias) };
    },
  );
}
