// Deploy, rollback and restore: manifest → plan → bundles on disk → pools warmed →
// version recorded → LiveApp swapped in → old pools retired. The order is what makes a
// deploy safe: nothing is recorded or served until the new code has loaded, and the old
// version keeps serving (its queued and in-flight calls finish) until the swap.
import { NimbusError } from "../core/errors.ts";
import type { AppConfig } from "../core/manifest/normalize.ts";
import { parseManifest } from "../core/manifest/parse.ts";
import { isVersionQualifier } from "../core/manifest/qualifier.ts";
import { RouteTable } from "../gateway/index.ts";
import {
  type FunctionPool,
  type InvocationOutcome,
  type InvocationRequest,
  type Runtime,
  validateFunctionPackage,
} from "../runtime/index.ts";
import type { AliasRecord, CanaryRoute, PublishedFunction } from "../store/function-version-ports.ts";
import type { DeploymentRecord, Store } from "../store/ports.ts";
import { aliasRollbackTarget, checkAliasTarget } from "./alias-operations.ts";
import type { AppPackage } from "./app-package.ts";
import { type BundleStore, functionHash } from "./bundle-store.ts";
import { computePlan, type DeployPlan } from "./deploy-plan.ts";
import { planVersions } from "./function-versions.ts";
import { LiveApp } from "./live-app.ts";
import { serveApp, versionPool } from "./serve-app.ts";
import { VersionPools } from "./version-pools.ts";

export interface DeployerOptions {
  readonly store: Store;
  readonly runtime: Runtime;
  readonly bundles: BundleStore;
  /**
   * Called once a deploy or rollback is committed and served here, so other nodes of a
   * cluster can be told (they load it with `reload`). Must not throw.
   */
  readonly onReleased?: (deployment: DeploymentRecord) => void;
  /** Problems that do not fail a deploy (an alias's old version that no longer loads). */
  readonly onError?: (error: unknown) => void;
}

export interface DeployResult {
  readonly plan: DeployPlan;
  /** Undefined for a dry run. */
  readonly deployment: DeploymentRecord | undefined;
}

interface Release {
  readonly app: string;
  readonly config: AppConfig;
  readonly hashes: Readonly<Record<string, string>>;
  readonly source: "deploy" | "rollback";
  readonly sourceVersion?: number;
}

/** The change feed channel alias moves are announced on (payload: the app). */
const ALIASES_CHANNEL = "nimbus.aliases";

export class Deployer {
  readonly #options: DeployerOptions;
  readonly #live = new Map<string, LiveApp>();
  /** Deploys of one app run one after another; different apps deploy in parallel. */
  readonly #appQueues = new Map<string, Promise<unknown>>();
  readonly #versionPools: VersionPools;
  #stopAliasFeed: (() => Promise<void>) | undefined;
  #stopped = false;

  constructor(options: DeployerOptions) {
    this.#options = options;
    this.#versionPools = new VersionPools(options.runtime, options.bundles);
  }

  live(app: string): LiveApp | undefined {
    return this.#live.get(app);
  }

  liveApps(): LiveApp[] {
    return [...this.#live.values()];
  }

  deploy(pkg: AppPackage, options: { dryRun?: boolean } = {}): Promise<DeployResult> {
    const config = parseManifest(pkg.manifestText, pkg.manifestFile);
    RouteTable.fromApp(config); // refuses duplicate routes before anything is written
    const hashes: Record<string, string> = {};
    for (const [name, fn] of Object.entries(config.functions)) {
      const bundle = pkg.bundles[name];
      if (!bundle) throw new NimbusError("BAD_REQUEST", `The deploy has no bundle for function "${name}"`);
      hashes[name] = functionHash(fn, bundle);
    }
    const extra = Object.keys(pkg.bundles).filter((name) => !(name in config.functions));
    if (extra.length > 0) {
      throw new NimbusError("BAD_REQUEST", `Bundles for functions not in the manifest: ${extra.join(", ")}`);
    }
    return this.#serialized(config.app, async () => {
      const { deployments } = this.#options.store;
      const active = await deployments.activeDeployment(config.app);
      const version = await deployments.nextVersion(config.app);
      const plan = computePlan(config.app, version, active?.functionHashes ?? {}, hashes);
      // A custom runtime's package comes from a client: checked before anything is stored.
      for (const fn of Object.values(config.functions)) {
        if (fn.runtime === "custom")
          await validateFunctionPackage(pkg.bundles[fn.name]?.code ?? new Uint8Array(), fn.name);
      }
      if (options.dryRun) return { plan, deployment: undefined };
      for (const [name, hash] of Object.entries(hashes)) {
        await this.#options.bundles.write(
          config.app,
          name,
          hash,
          pkg.bundles[name] as AppPackage["bundles"][string],
        );
      }
      const deployment = await this.#release({ app: config.app, config, hashes, source: "deploy" });
      return { plan, deployment };
    });
  }

  /** Re-activates `toVersion` (default: the version before the active one) as a new version. */
  rollback(app: string, toVersion?: number): Promise<DeploymentRecord> {
    return this.#serialized(app, async () => {
      const { deployments } = this.#options.store;
      const active = await deployments.activeDeployment(app);
      if (!active) throw new NimbusError("APP_NOT_FOUND", `App "${app}" has no deployment to roll back`);
      const targetVersion = toVersion ?? active.version - 1;
      const target = targetVersion >= 1 ? await deployments.getDeployment(app, targetVersion) : undefined;
      if (!target) {
        throw new NimbusError(
          "DEPLOYMENT_NOT_FOUND",
          `App "${app}" has no version ${targetVersion} to roll back to`,
        );
      }
      const stored = await Promise.all(
        Object.entries(target.functionHashes).map(([name, hash]) =>
          this.#options.bundles.has(app, name, hash),
        ),
      );
      const missing = stored.filter((found) => !found);
      if (missing.length > 0) {
        throw new NimbusError(
          "DEPLOYMENT_NOT_FOUND",
          `The code of version ${targetVersion} is no longer stored`,
        );
      }
      return this.#release({
        app,
        config: target.config,
        hashes: target.functionHashes,
        source: "rollback",
        sourceVersion: target.sourceVersion ?? target.version,
      });
    });
  }

  /** Serves every app's active deployment again after a start. */
  async restore(): Promise<void> {
    // Alias moves made on any node of a cluster are announced here; each node re-reads them.
    this.#stopAliasFeed ??= await this.#options.store.changes.subscribe(ALIASES_CHANNEL, (app) =>
      this.#refreshAliases(app),
    );
    for (const summary of await this.#options.store.deployments.listApps()) await this.reload(summary.app);
  }

  /** Creates or moves an alias, optionally with a weighted canary version; it serves at once. */
  setAlias(
    app: string,
    functionName: string,
    name: string,
    target: { readonly version: number; readonly canary?: CanaryRoute | undefined },
  ): Promise<AliasRecord> {
    checkAliasTarget(name, target);
    return this.#serialized(app, () => this.#moveAlias(app, functionName, name, target));
  }

  /**
   * Instant rollback: an alias with a canary sends every call to its version again; one
   * without goes back to the version it had before. The old version's pool was kept, so its
   * warm instances serve at once.
   */
  rollbackAlias(app: string, functionName: string, name: string): Promise<AliasRecord> {
    return this.#serialized(app, async () => {
      const alias = await this.#options.store.functionVersions.getAlias(app, functionName, name);
      if (alias === undefined) {
        throw new NimbusError(
          "ALIAS_NOT_FOUND",
          `Function "${functionName}" of app "${app}" has no alias "${name}"`,
        );
      }
      return this.#moveAlias(app, functionName, name, aliasRollbackTarget(alias));
    });
  }

  /**
   * The pool for one call at `qualifier` (see LiveApp.poolFor); a stored version that is not
   * active here is loaded first. Undefined when the app, function or alias does not exist.
   */
  async poolFor(app: string, functionName: string, qualifier?: string): Promise<FunctionPool | undefined> {
    const live = this.#live.get(app);
    const served = live?.functions.get(functionName);
    if (live === undefined || served === undefined) return undefined;
    const pool = live.poolFor(functionName, qualifier);
    if (pool !== undefined || qualifier === undefined || !isVersionQualifier(qualifier)) return pool;
    const version = Number(qualifier);
    const loaded = await versionPool(
      this.#options.store.functionVersions,
      this.#versionPools,
      app,
      functionName,
      version,
    );
    if (this.#live.get(app) === live) served.versions.set(version, loaded);
    return loaded;
  }

  /**
   * One call of a trigger or async attempt at `qualifier` (undefined: $LATEST), resolved now
   * as a route's call is: an alias's canary share applies per call. Rejects with APP_NOT_FOUND,
   * FUNCTION_NOT_FOUND, ALIAS_NOT_FOUND or FUNCTION_VERSION_NOT_FOUND when nothing serves it.
   */
  async invoke(
    app: string,
    functionName: string,
    request: InvocationRequest,
    requestId: string,
    qualifier?: string,
  ): Promise<InvocationOutcome> {
    const pool = await this.poolFor(app, functionName, qualifier);
    if (pool !== undefined) return pool.invoke(request, { requestId, acceptStream: false });
    const live = this.#live.get(app);
    if (live === undefined) throw new NimbusError("APP_NOT_FOUND", `App "${app}" is not deployed`);
    return live.invoke(functionName, request, requestId, false, qualifier); // rejects, saying why
  }

  async #moveAlias(
    app: string,
    functionName: string,
    name: string,
    target: { readonly version: number; readonly canary?: CanaryRoute | undefined },
  ): Promise<AliasRecord> {
    const live = this.#live.get(app);
    if (live === undefined) throw new NimbusError("APP_NOT_FOUND", `App "${app}" is not deployed`);
    if (!live.functions.has(functionName)) {
      throw new NimbusError("FUNCTION_NOT_FOUND", `App "${app}" has no function "${functionName}"`);
    }
    const { functionVersions } = this.#options.store;
    // The versions load before the alias moves: an alias never points at code that fails.
    for (const version of [target.version, target.canary?.version]) {
      if (version !== undefined)
        await versionPool(functionVersions, this.#versionPools, app, functionName, version);
    }
    const alias = await functionVersions.setAlias({
      app,
      functionName,
      name,
      version: target.version,
      canary: target.canary,
    });
    await this.#reserve(live);
    this.#options.store.changes
      .publish(ALIASES_CHANNEL, app)
      .catch((error: unknown) => this.#options.onError?.(error));
    return alias;
  }

  /** Serves the app's current deployment again, with its aliases as stored now. */
  #reserve(live: LiveApp): Promise<void> {
    const latestVersions = new Map(
      [...live.pools].map(([name, pool]) => [name, Number(pool.deployment.version)]),
    );
    return this.#serve(live.deployment, latestVersions, live.pools);
  }

  #refreshAliases(app: string): void {
    this.#serialized(app, async () => {
      const live = this.#live.get(app);
      if (live !== undefined) await this.#reserve(live);
    }).catch((error: unknown) => {
      if (!this.#stopped) this.#options.onError?.(error);
    });
  }

  /**
   * Serves the app's active deployment from the store when it is newer than the one served
   * here: another node of a cluster deployed or rolled back. The same steps as a local
   * deploy (unchanged functions keep their pools, new pools load before the swap, replaced
   * ones are retired), without recording anything. Resolves to the deployment now served,
   * or undefined when there was nothing newer.
   */
  reload(app: string): Promise<DeploymentRecord | undefined> {
    return this.#serialized(app, async () => {
      const active = await this.#options.store.deployments.activeDeployment(app);
      const current = this.#live.get(app);
      if (!active || (current && current.deployment.version >= active.version)) return undefined;
      const planned = await planVersions(
        this.#options.store.functionVersions,
        app,
        active.config,
        active.functionHashes,
      );
      const { latest } = await this.#activateLatest(app, planned);
      // Idempotent: repairs a deploy that stopped between its record and its versions.
      await this.#options.store.functionVersions.publishVersions(app, active.version, [...planned.values()]);
      await this.#serve(active, versionNumbers(planned), latest);
      return active;
    });
  }

  /**
   * Takes no more deploys or reloads and serves nothing. The pools are not retired here:
   * the platform drained the calls in flight first (up to its deadline), and Runtime.stop
   * then ends every instance at once, so a call past the deadline cannot hold the stop.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#stopAliasFeed?.().catch(() => undefined);
    // A deploy or reload under way finishes (or fails) first.
    await Promise.all(this.#appQueues.values());
    this.#live.clear();
    this.#versionPools.clear();
  }

  async #release(release: Release): Promise<DeploymentRecord> {
    const { store } = this.#options;
    const planned = await planVersions(store.functionVersions, release.app, release.config, release.hashes);
    const { latest, fresh } = await this.#activateLatest(release.app, planned);
    let deployment: DeploymentRecord;
    try {
      deployment = await store.deployments.createDeployment({
        app: release.app,
        config: release.config,
        functionHashes: release.hashes,
        source: release.source,
        ...(release.sourceVersion === undefined ? {} : { sourceVersion: release.sourceVersion }),
      });
    } catch (error) {
      await this.#versionPools.discard(fresh);
      throw error;
    }
    try {
      await store.functionVersions.publishVersions(release.app, deployment.version, [...planned.values()]);
    } catch (error) {
      // The deployment is committed: serve it; the next reload or restart records the versions.
      this.#options.onError?.(error);
    }
    await this.#serve(deployment, versionNumbers(planned), latest);
    this.#options.onReleased?.(deployment);
    return deployment;
  }

  /**
   * The latest version's pool of every function, activating the changed ones (one instance
   * must load); rejects, leaving nothing new running, when any fails.
   */
  async #activateLatest(
    app: string,
    planned: ReadonlyMap<string, PublishedFunction>,
  ): Promise<{ latest: Map<string, FunctionPool>; fresh: FunctionPool[] }> {
    const latest = new Map<string, FunctionPool>();
    const fresh: FunctionPool[] = [];
    const results = await Promise.allSettled(
      [...planned.values()].map(async (spec) => {
        const acquired = await this.#versionPools.acquire(app, spec);
        if (acquired.fresh) fresh.push(acquired.pool);
        latest.set(spec.functionName, acquired.pool);
      }),
    );
    const failure = results.find((result) => result.status === "rejected");
    if (failure) {
      await this.#versionPools.discard(fresh);
      throw failure.reason;
    }
    return { latest, fresh };
  }

  /** Serves `deployment` (with its aliases) from now on, and retires the pools it no longer uses. */
  async #serve(
    deployment: DeploymentRecord,
    latestVersions: ReadonlyMap<string, number>,
    latest: ReadonlyMap<string, FunctionPool>,
  ): Promise<void> {
    const functions = await serveApp({
      deployment,
      latestVersions,
      latest,
      versions: this.#options.store.functionVersions,
      pools: this.#versionPools,
      onError: (error) => this.#options.onError?.(error),
    });
    const live = new LiveApp(deployment, RouteTable.fromApp(deployment.config), functions);
    this.#live.set(deployment.app, live);
    // Retiring lets queued and in-flight calls of the old versions finish; no need to wait.
    this.#versionPools.retainOnly(deployment.app, live.allPools());
  }

  #serialized<T>(app: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#appQueues.get(app) ?? Promise.resolve();
    const guarded = (): Promise<T> => {
      if (this.#stopped) throw new NimbusError("PLATFORM_UNAVAILABLE", "The platform is stopping");
      return work();
    };
    const next = previous.then(guarded, guarded);
    this.#appQueues.set(
      app,
      next.catch(() => undefined),
    );
    return next;
  }
}

function versionNumbers(planned: ReadonlyMap<string, PublishedFunction>): Map<string, number> {
  return new Map([...planned].map(([name, spec]) => [name, spec.version]));
}
