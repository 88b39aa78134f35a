// The pools of every function version this node serves, keyed by app, function and
// version: the latest version of each function, the versions its aliases point at (and
// pointed at just before, for an instant rollback), and versions called by number. A pool is
// shared by every LiveApp that serves its version, so an unchanged function keeps its warm
// instances across deploys and alias moves, and is retired once nothing refers to it.
import type { FunctionPool, Runtime } from "../runtime/index.ts";
import type { PublishedFunction } from "../store/function-version-ports.ts";
import type { BundleStore } from "./bundle-store.ts";

function key(app: string, functionName: string, version: number): string {
  return `${app}\u0000${functionName}\u0000${version}`;
}

export class VersionPools {
  readonly #runtime: Runtime;
  readonly #bundles: BundleStore;
  readonly #pools = new Map<string, FunctionPool>();
  /** Activations under way, so two callers of one version share one pool. */
  readonly #pending = new Map<string, Promise<FunctionPool>>();

  constructor(runtime: Runtime, bundles: BundleStore) {
    this.#runtime = runtime;
    this.#bundles = bundles;
  }

  get(app: string, functionName: string, version: number): FunctionPool | undefined {
    return this.#pools.get(key(app, functionName, version));
  }

  /** The version's pool, activated (its code loaded) when it has none; `fresh` says which. */
  async acquire(app: string, spec: PublishedFunction): Promise<{ pool: FunctionPool; fresh: boolean }> {
    const id = key(app, spec.functionName, spec.version);
    const existing = this.#pools.get(id);
    if (existing !== undefined) return { pool: existing, fresh: false };
    let pending = this.#pending.get(id);
    if (pending === undefined) {
      pending = this.#activate(app, spec).finally(() => this.#pending.delete(id));
      this.#pending.set(id, pending);
      const pool = await pending;
      this.#pools.set(id, pool);
      return { pool, fresh: true };
    }
    return { pool: await pending, fresh: false };
  }

  /** Retires these pools (a release that failed after activating them). */
  async discard(pools: readonly FunctionPool[]): Promise<void> {
    for (const pool of pools) this.#forget(pool);
    await Promise.all(pools.map((pool) => this.#runtime.retire(pool)));
  }

  /** Retires the app's pools not in `keep`; their queued and in-flight calls finish first. */
  retainOnly(app: string, keep: ReadonlySet<FunctionPool>): void {
    const prefix = `${app}\u0000`;
    for (const [id, pool] of this.#pools) {
      if (!id.startsWith(prefix) || keep.has(pool)) continue;
      this.#pools.delete(id);
      void this.#runtime.retire(pool);
    }
  }

  /** Forgets every pool (the runtime is stopping and ends every instance itself). */
  clear(): void {
    this.#pools.clear();
  }

  #forget(pool: FunctionPool): void {
    for (const [id, candidate] of this.#pools) if (candidate === pool) this.#pools.delete(id);
  }

  async #activate(app: string, spec: PublishedFunction): Promise<FunctionPool> {
    return this.#runtime.activate({
      app,
      version: String(spec.version),
      config: spec.config,
      bundlePath: await this.#bundles.localPath(app, spec.functionName, spec.hash),
    });
  }
}
