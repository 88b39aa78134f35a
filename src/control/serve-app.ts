// What a LiveApp serves each function with: the latest version's pool, the pools of every
// version its aliases refer to (their version, their canary's, and the one before, so a
// rollback finds warm instances), and of versions routes and triggers (queue triggers, topic
// subscriptions, schedules) name by number. An alias a route or trigger names that does not
// exist yet is created on the latest version: a first deploy with `qualifier: live` works, and
// later deploys leave the alias where it is until it is moved.
import { NimbusError } from "../core/errors.ts";
import type { AppConfig } from "../core/manifest/normalize.ts";
import { isVersionQualifier } from "../core/manifest/qualifier.ts";
import type { FunctionPool } from "../runtime/index.ts";
import type { AliasRecord, FunctionVersionStore } from "../store/function-version-ports.ts";
import type { DeploymentRecord } from "../store/ports.ts";
import { versionsOfAlias } from "./alias-routing.ts";
import type { ServedFunction } from "./live-app.ts";
import type { VersionPools } from "./version-pools.ts";

export interface ServeAppInput {
  readonly deployment: DeploymentRecord;
  /** The latest version number of each function. */
  readonly latestVersions: ReadonlyMap<string, number>;
  readonly latest: ReadonlyMap<string, FunctionPool>;
  readonly versions: FunctionVersionStore;
  readonly pools: VersionPools;
  /** An older version that cannot be served (its code gone, it no longer loads): logged, not fatal. */
  readonly onError: (error: unknown) => void;
}

/** The pool of one stored version of a function, activated when this node has none. */
export async function versionPool(
  versions: FunctionVersionStore,
  pools: VersionPools,
  app: string,
  functionName: string,
  version: number,
): Promise<FunctionPool> {
  const existing = pools.get(app, functionName, version);
  if (existing !== undefined) return existing;
  const record = await versions.getVersion(app, functionName, version);
  if (record === undefined) {
    throw new NimbusError(
      "FUNCTION_VERSION_NOT_FOUND",
      `Function "${functionName}" has no version ${version}`,
    );
  }
  const spec = { functionName, version, hash: record.hash, config: record.config };
  return (await pools.acquire(app, spec)).pool;
}

/** Every qualifier the app's routes and triggers name, by function. */
export function qualifiersByFunction(config: AppConfig): Map<string, Set<string>> {
  const byFunction = new Map<string, Set<string>>();
  const add = (functionName: string, qualifier: string | undefined) => {
    if (qualifier === undefined || !(functionName in config.functions)) return;
    const named = byFunction.get(functionName) ?? new Set<string>();
    byFunction.set(functionName, named);
    named.add(qualifier);
  };
  for (const fn of Object.values(config.functions)) {
    for (const route of fn.routes) add(fn.name, route.qualifier);
    for (const trigger of fn.queueTriggers ?? []) add(fn.name, trigger.qualifier);
  }
  for (const topic of Object.values(config.topics ?? {})) {
    for (const { target } of topic.subscriptions)
      if ("function" in target) add(target.function, target.qualifier);
  }
  for (const { target } of Object.values(config.schedules ?? {})) {
    if ("function" in target) add(target.function, target.qualifier);
  }
  return byFunction;
}

async function aliasesOf(
  input: ServeAppInput,
  qualifiers: ReadonlyMap<string, ReadonlySet<string>>,
): Promise<Map<string, Map<string, AliasRecord>>> {
  const { deployment, versions, latestVersions } = input;
  const stored = await versions.listAliases(deployment.app);
  const byFunction = new Map<string, Map<string, AliasRecord>>();
  const add = (alias: AliasRecord) => {
    const named = byFunction.get(alias.functionName) ?? new Map<string, AliasRecord>();
    byFunction.set(alias.functionName, named);
    named.set(alias.name, alias);
  };
  for (const alias of stored) add(alias);
  for (const fn of Object.values(deployment.config.functions)) {
    for (const name of qualifiers.get(fn.name) ?? []) {
      if (isVersionQualifier(name) || byFunction.get(fn.name)?.has(name)) continue;
      const version = latestVersions.get(fn.name) as number;
      add(
        await versions.setAlias({
          app: deployment.app,
          functionName: fn.name,
          name,
          version,
          canary: undefined,
        }),
      );
    }
  }
  return byFunction;
}

export async function serveApp(input: ServeAppInput): Promise<Map<string, ServedFunction>> {
  const { deployment, latestVersions, latest } = input;
  const qualifiers = qualifiersByFunction(deployment.config);
  const aliases = await aliasesOf(input, qualifiers);
  const functions = new Map<string, ServedFunction>();
  for (const fn of Object.values(deployment.config.functions)) {
    const latestPool = latest.get(fn.name) as FunctionPool;
    const served = new Map<number, FunctionPool>([[latestVersions.get(fn.name) as number, latestPool]]);
    const named = aliases.get(fn.name) ?? new Map<string, AliasRecord>();
    const wanted = new Set<number>();
    for (const alias of named.values()) for (const version of versionsOfAlias(alias)) wanted.add(version);
    for (const qualifier of qualifiers.get(fn.name) ?? []) {
      if (isVersionQualifier(qualifier)) wanted.add(Number(qualifier));
    }
    for (const version of wanted) {
      if (served.has(version)) continue;
      try {
        served.set(version, await versionPool(input.versions, input.pools, deployment.app, fn.name, version));
      } catch (error) {
        input.onError(error);
      }
    }
    functions.set(fn.name, { latest: latestPool, versions: served, aliases: named });
  }
  return functions;
}
