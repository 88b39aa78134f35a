// The runtime: owns every instance process of the server (so it can kill them all, even
// from a synchronous process 'exit'), the stem-cell supplies, the memory watchdog and the
// set of active pools. Pools ask it for specialised instances; nothing else spawns.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { NimbusError } from "../core/errors.ts";
import { bundleShim } from "./bundler.ts";
import { startCustomInstance } from "./custom/start-custom-instance.ts";
import { TaskRoots } from "./custom/task-root.ts";
import { functionEnvironment } from "./function-env.ts";
import { FunctionPool, type PoolHost } from "./function-pool.ts";
import { Instance, type InstanceListener } from "./instance.ts";
import { Limiter } from "./limiter.ts";
import { MemoryWatchdog } from "./memory-watchdog.ts";
import { parentDeathPrefix } from "./parent-death.ts";
import type { SpecializeMessage } from "./protocol.ts";
import { StemCells } from "./stem-cells.ts";
import type {
  FunctionDeployment,
  InstanceEnvironment,
  InstanceEnvironmentHooks,
  RuntimeEvents,
} from "./types.ts";

export const DEFAULT_STEM_CELLS_PER_MEMORY_SIZE = 2;
/** A taken stem cell is replaced once its instance's first call settled, or after this at the latest. */
const REFILL_AT_LATEST_MS = 250;
/**
 * Pools warming at once (a deploy activates every function's pool): each start is a process
 * spawn and an import, so a deploy of 1,000 functions must not fork 1,000 processes at once.
 */
const MAX_CONCURRENT_ACTIVATIONS = 8;

export interface RuntimeOptions {
  /** Runtime files go under `${dataDir}/runtime/`. */
  readonly dataDir: string;
  /** Given to functions as NIMBUS_PLATFORM_URL (read at each specialisation: the port is known late). */
  platformUrl(): string;
  readonly events: RuntimeEvents;
  /** Ready stem cells kept per memory size; 0 spawns a fresh process on every cold start. */
  readonly stemCellsPerMemorySize?: number;
  /** Adds each instance's secrets and credentials to its environment (identity). */
  readonly environmentHooks?: InstanceEnvironmentHooks;
}

export interface RuntimeStats {
  /** Processes specialised (or specialising) for a function. */
  readonly instances: number;
  /** Generic processes, ready or starting. */
  readonly stemCells: number;
}

type RuntimeState = "new" | "starting" | "started" | "stopped";

export class Runtime {
  readonly #options: RuntimeOptions;
  readonly #runtimeDir: string;
  readonly #processes = new Set<Instance>();
  readonly #pools = new Set<FunctionPool>();
  readonly #watchdog = new MemoryWatchdog();
  readonly #activations = new Limiter(MAX_CONCURRENT_ACTIVATIONS);
  readonly #stemCells: StemCells;
  /** Unpacked packages of custom-runtime functions. */
  readonly #taskRoots: TaskRoots;
  readonly #host: PoolHost;
  readonly #killAllNow = (): void => {
    for (const instance of this.#processes) instance.killNow();
  };
  readonly #replenish = (memoryMb: number): void => {
    if (this.#state === "started") this.#stemCells.replenish(memoryMb);
  };
  #shimPath = "";
  #commandPrefix: readonly string[] = [];
  #state: RuntimeState = "new";

  constructor(options: RuntimeOptions) {
    const perMemorySize = options.stemCellsPerMemorySize ?? DEFAULT_STEM_CELLS_PER_MEMORY_SIZE;
    if (!Number.isInteger(perMemorySize) || perMemorySize < 0) {
      throw new NimbusError(
        "BAD_REQUEST",
        `stemCellsPerMemorySize must be a whole number ≥ 0, not ${perMemorySize}`,
      );
    }
    this.#options = Object.freeze({ ...options });
    this.#runtimeDir = join(options.dataDir, "runtime");
    this.#taskRoots = new TaskRoots(join(this.#runtimeDir, "tasks"));
    this.#stemCells = new StemCells({ perMemorySize, spawn: (memoryMb) => this.#spawn(memoryMb) });
    this.#host = {
      events: options.events,
      startInstance: (deployment, listener) => this.#startInstance(deployment, listener),
    };
  }

  /** Bundles the shim so that instance processes start from plain JavaScript. */
  async start(): Promise<void> {
    if (this.#state !== "new") throw new NimbusError("INTERNAL", "The runtime was already started");
    this.#state = "starting";
    await mkdir(this.#runtimeDir, { recursive: true });
    this.#shimPath = await bundleShim(join(this.#runtimeDir, "shim.mjs"));
    this.#commandPrefix = parentDeathPrefix();
    // Whatever way the server exits, its instances go with it.
    process.on("exit", this.#killAllNow);
    this.#state = "started";
  }

  /** SIGKILLs every instance and stem cell; resolves once all have exited. */
  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#state = "stopped";
    this.#stemCells.stop();
    for (const pool of this.#pools) pool.shutdown();
    this.#pools.clear();
    const processes = [...this.#processes];
    for (const instance of processes) instance.kill("platform-stop");
    await Promise.all(processes.map((instance) => instance.exited));
    this.#watchdog.stop();
    process.off("exit", this.#killAllNow);
  }

  /** A new pool for `deployment`, warmed; rejects (leaving nothing running) if the code does not load. */
  async activate(deployment: FunctionDeployment): Promise<FunctionPool> {
    this.#assertStarted();
    const { memoryMb } = deployment.config;
    const pool = new FunctionPool(deployment, this.#host);
    this.#pools.add(pool);
    const stems = usesStemCells(deployment);
    if (stems) this.#stemCells.retain(memoryMb);
    try {
      await this.#activations.run(() => pool.warm());
    } catch (error) {
      this.#pools.delete(pool);
      if (stems) this.#stemCells.release(memoryMb);
      throw error;
    }
    return pool;
  }

  /** The pool takes no new calls, finishes what it has, then stops its instances. */
  async retire(pool: FunctionPool): Promise<void> {
    await pool.retire();
    if (this.#pools.delete(pool) && usesStemCells(pool.deployment)) {
      this.#stemCells.release(pool.deployment.config.memoryMb);
    }
  }

  stats(): RuntimeStats {
    let instances = 0;
    let stemCells = 0;
    for (const instance of this.#processes) {
      const { state } = instance;
      if (state === "specializing" || state === "ready") instances++;
      else if (state === "starting" || state === "stem") stemCells++;
    }
    return { instances, stemCells };
  }

  #assertStarted(): void {
    if (this.#state !== "started") {
      throw new NimbusError(
        "PLATFORM_UNAVAILABLE",
        `The runtime is ${this.#state === "stopped" ? "stopped" : "not started"}`,
      );
    }
  }

  #spawn(memoryMb: number): Instance {
    this.#assertStarted();
    const instance = Instance.spawn({
      shimPath: this.#shimPath,
      commandPrefix: this.#commandPrefix,
      memoryMb,
      cwd: this.#runtimeDir,
      events: this.#options.events,
      watchdog: this.#watchdog,
    });
    this.#processes.add(instance);
    void instance.exited.then(() => this.#processes.delete(instance));
    return instance;
  }

  async #startInstance(deployment: FunctionDeployment, listener: InstanceListener): Promise<Instance> {
    if (!usesStemCells(deployment)) return this.#startCustomInstance(deployment, listener);
    const { config } = deployment;
    const instance = await this.#stemCells.take(config.memoryMb);
    try {
      const extra = await this.#prepareEnvironment(instance, deployment);
      const message: SpecializeMessage = {
        type: "specialize",
        bundlePath: deployment.bundlePath,
        exportName: config.handler.exportName,
        // Secrets join the declared env (the platform's variables win); credentials go on top.
        env: {
          ...extra.variables,
          ...functionEnvironment(deployment, this.#options.platformUrl()),
          ...extra.credentials,
        },
        identity: {
          app: deployment.app,
          functionName: config.name,
          version: deployment.version,
          memoryMb: config.memoryMb,
          timeoutMs: config.timeoutMs,
        },
      };
      await instance.specialize(deployment, message, listener);
    } catch (error) {
      setImmediate(this.#replenish, config.memoryMb);
      instance.kill("init-failed");
      await instance.exited; // a failed start leaves no process behind
      throw error;
    }
    // Not during the cold call: spawning Node takes a core for ~50 ms (and the fork blocks this
    // event loop for a few), which on a small host would land on the very call the stem cell
    // is there to speed up. The other ready stem cells cover cold starts meanwhile.
    instance.afterFirstCall(REFILL_AT_LATEST_MS, () => this.#replenish(config.memoryMb));
    return instance;
  }

  #startCustomInstance(deployment: FunctionDeployment, listener: InstanceListener): Promise<Instance> {
    this.#assertStarted();
    const context = {
      taskRoots: this.#taskRoots,
      commandPrefix: this.#commandPrefix,
      events: this.#options.events,
      watchdog: this.#watchdog,
      platformUrl: this.#options.platformUrl(),
      environmentHooks: this.#options.environmentHooks,
      register: (instance: Instance) => {
        this.#processes.add(instance);
        void instance.exited.then(() => this.#processes.delete(instance));
      },
    };
    return startCustomInstance(context, deployment, listener);
  }

  async #prepareEnvironment(
    instance: Instance,
    deployment: FunctionDeployment,
  ): Promise<InstanceEnvironment> {
    const hooks = this.#options.environmentHooks;
    if (hooks === undefined) return { variables: {}, credentials: {} };
    const extra = await hooks.prepare(instance, deployment);
    void instance.exited.then(() => hooks.ended(instance.id));
    return extra;
  }
}

/** Node functions start from generic stem cells; a custom runtime is its own program. */
function usesStemCells(deployment: FunctionDeployment): boolean {
  return deployment.config.runtime !== "custom";
}
