// An app as it is being served: its active deployment, route table, and for each function
// the pools of the versions it serves — the latest ($LATEST), the versions its aliases point
// at — and the aliases themselves. A deploy or an alias change builds a new LiveApp and swaps
// it in with one assignment, so a request sees either the old state or the new one, never a
// mix. Pools are shared between successive LiveApps (control/version-pools.ts).
import { NimbusError } from "../core/errors.ts";
import type { CorsConfig } from "../core/manifest/normalize.ts";
import { isVersionQualifier } from "../core/manifest/qualifier.ts";
import type { GatewayTarget, RouteTable } from "../gateway/index.ts";
import type { FunctionPool, InvocationOutcome, InvocationRequest } from "../runtime/index.ts";
import type { AliasRecord } from "../store/function-version-ports.ts";
import type { DeploymentRecord } from "../store/ports.ts";
import { pickAliasVersion } from "./alias-routing.ts";

export interface ServedFunction {
  /** The latest version: what an unqualified or $LATEST call runs. */
  readonly latest: FunctionPool;
  /**
   * Every version served here, the latest included, by number. It grows when a stored version
   * is called by number (Deployer.poolFor); the app's next change drops what nothing refers to.
   */
  readonly versions: Map<number, FunctionPool>;
  readonly aliases: ReadonlyMap<string, AliasRecord>;
}

export class LiveApp implements GatewayTarget {
  readonly deployment: DeploymentRecord;
  readonly routes: RouteTable;
  readonly functions: ReadonlyMap<string, ServedFunction>;
  /** The latest version's pool of each function. */
  readonly pools: ReadonlyMap<string, FunctionPool>;

  constructor(
    deployment: DeploymentRecord,
    routes: RouteTable,
    functions: ReadonlyMap<string, ServedFunction>,
  ) {
    this.deployment = deployment;
    this.routes = routes;
    this.functions = functions;
    this.pools = new Map([...functions].map(([name, served]) => [name, served.latest]));
  }

  get app(): string {
    return this.deployment.app;
  }

  get cors(): CorsConfig | undefined {
    return this.deployment.config.cors;
  }

  /** The latest version's pool; FUNCTION_NOT_FOUND when the app has no such function. */
  pool(functionName: string): FunctionPool {
    const pool = this.pools.get(functionName);
    if (!pool) {
      throw new NimbusError(
        "FUNCTION_NOT_FOUND",
        `App "${this.deployment.app}" has no function "${functionName}" in version ${this.deployment.version}`,
      );
    }
    return pool;
  }

  /**
   * The pool for one call of `functionName` at `qualifier`: unqualified or "$LATEST" is the
   * latest version; a number is that version; an alias is its version, or its canary's for
   * the canary's share of calls. Undefined when nothing here serves it (an unknown alias, a
   * version not active on this node: Deployer.poolFor activates one).
   */
  poolFor(functionName: string, qualifier?: string): FunctionPool | undefined {
    const served = this.functions.get(functionName);
    if (served === undefined) return undefined;
    if (qualifier === undefined || qualifier === "$LATEST") return served.latest;
    if (isVersionQualifier(qualifier)) return served.versions.get(Number(qualifier));
    const alias = served.aliases.get(qualifier);
    return alias === undefined ? undefined : served.versions.get(pickAliasVersion(alias));
  }

  invoke(
    functionName: string,
    request: InvocationRequest,
    requestId: string,
    acceptStream = false,
    qualifier?: string,
  ): Promise<InvocationOutcome> {
    const pool = qualifier === undefined ? this.pool(functionName) : this.poolFor(functionName, qualifier);
    if (pool === undefined) {
      const error = this.functions.has(functionName)
        ? new NimbusError(
            "ALIAS_NOT_FOUND",
            `Function "${functionName}" has no alias or active version "${qualifier}"`,
          )
        : new NimbusError(
            "FUNCTION_NOT_FOUND",
            `App "${this.deployment.app}" has no function "${functionName}"`,
          );
      return Promise.reject(error);
    }
    return pool.invoke(request, { requestId, acceptStream });
  }

  /** Every pool this app serves with, once each. */
  allPools(): Set<FunctionPool> {
    const all = new Set<FunctionPool>();
    for (const served of this.functions.values()) for (const pool of served.versions.values()) all.add(pool);
    return all;
  }
}
