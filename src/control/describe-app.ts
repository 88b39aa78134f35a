// What `nimbus ls` and GET /_nimbus/apps/:app show of an app.

import { formatDuration } from "../core/durations.ts";
import { NimbusError } from "../core/errors.ts";
import type { Store } from "../store/ports.ts";
import type { Deployer } from "./deployer.ts";

export interface FunctionDescription {
  readonly name: string;
  readonly handler: string;
  readonly version: string;
  readonly memoryMb: number;
  readonly timeout: string;
  readonly keepWarm: string;
  readonly concurrency: { readonly min: number; readonly max: number; readonly perInstance: number };
  readonly routes: readonly string[];
  readonly instances: { readonly running: number; readonly busy: number; readonly queued: number };
}

export interface AppDescription {
  readonly app: string;
  readonly activeVersion: number;
  readonly deployedAt: number;
  readonly functions: readonly FunctionDescription[];
}

export async function describeApp(deployer: Deployer, store: Store, app: string): Promise<AppDescription> {
  const live = deployer.live(app);
  const deployment = live?.deployment ?? (await store.deployments.activeDeployment(app));
  if (!deployment) throw new NimbusError("APP_NOT_FOUND", `App "${app}" is not deployed`);
  const functions = Object.values(deployment.config.functions).map((fn) => {
    const pool = live?.pools.get(fn.name);
    const stats = pool?.stats();
    return {
      name: fn.name,
      handler: `${fn.handler.file}.${fn.handler.exportName}`,
      version: pool?.deployment.version ?? String(deployment.version),
      memoryMb: fn.memoryMb,
      timeout: formatDuration(fn.timeoutMs),
      keepWarm: formatDuration(fn.keepWarmMs),
      concurrency: {
        min: fn.concurrency.min,
        max: fn.concurrency.max,
        perInstance: fn.concurrency.perInstance,
      },
      routes: fn.routes.map((route) => route.routeKey),
      instances: { running: stats?.instances ?? 0, busy: stats?.busy ?? 0, queued: stats?.queued ?? 0 },
    };
  });
  return { app, activeVersion: deployment.version, deployedAt: deployment.createdAt, functions };
}
