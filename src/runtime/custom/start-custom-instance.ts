// A cold start of a custom-runtime function: unpack its package (once per package), open
// the instance's Runtime API server, spawn the bootstrap with its final environment, and
// wait for its first GET /next (or an init error, or its exit). There are no stem cells for
// custom runtimes: what to start is the function's own program, known only now.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { functionEnvironment } from "../function-env.ts";
import { Instance, type InstanceListener } from "../instance.ts";
import type { MemoryWatchdog } from "../memory-watchdog.ts";
import type { SpecializeMessage } from "../protocol.ts";
import type {
  FunctionDeployment,
  InstanceCredentialsChannel,
  InstanceEnvironmentHooks,
  RuntimeEvents,
} from "../types.ts";
import { BOOTSTRAP } from "./pack-function-folder.ts";
import { RuntimeApiServer } from "./runtime-api-server.ts";
import type { TaskRoots } from "./task-root.ts";

export interface CustomStartContext {
  readonly taskRoots: TaskRoots;
  readonly commandPrefix: readonly string[];
  readonly events: RuntimeEvents;
  readonly watchdog: MemoryWatchdog;
  readonly platformUrl: string;
  readonly environmentHooks: InstanceEnvironmentHooks | undefined;
  /** The runtime keeps every process it must be able to kill. */
  register(instance: Instance): void;
}

export async function startCustomInstance(
  context: CustomStartContext,
  deployment: FunctionDeployment,
  listener: InstanceListener,
): Promise<Instance> {
  const { config } = deployment;
  const taskRoot = await context.taskRoots.folderFor(deployment.bundlePath, config.name);
  const hooks = context.environmentHooks;
  // The environment must be complete before the process exists, so the hooks see a channel
  // whose id the instance takes over. Credentials cannot be pushed into a running foreign
  // process: the instance keeps the ones it started with (see ARCHITECTURE.md).
  const channel: InstanceCredentialsChannel = { id: randomUUID(), pushCredentials: () => {} };
  const extra =
    hooks === undefined ? { variables: {}, credentials: {} } : await hooks.prepare(channel, deployment);
  const api = await RuntimeApiServer.listen();
  let instance: Instance;
  try {
    instance = Instance.spawnCustom({
      id: channel.id,
      bootstrapPath: join(taskRoot, BOOTSTRAP),
      commandPrefix: context.commandPrefix,
      memoryMb: config.memoryMb,
      cwd: taskRoot,
      env: {
        ...extra.variables,
        ...functionEnvironment(deployment, context.platformUrl, taskRoot),
        AWS_LAMBDA_RUNTIME_API: api.address,
        ...extra.credentials,
      },
      events: context.events,
      watchdog: context.watchdog,
      api,
    });
  } catch (error) {
    api.close();
    if (hooks !== undefined) hooks.ended(channel.id);
    throw error;
  }
  context.register(instance);
  void instance.exited.then(() => {
    api.close();
    hooks?.ended(channel.id);
  });
  const message: SpecializeMessage = {
    type: "specialize",
    bundlePath: deployment.bundlePath,
    exportName: config.handler.exportName,
    env: {},
    identity: {
      app: deployment.app,
      functionName: config.name,
      version: deployment.version,
      memoryMb: config.memoryMb,
      timeoutMs: config.timeoutMs,
    },
  };
  try {
    await instance.specialize(deployment, message, listener);
  } catch (error) {
    instance.kill("init-failed");
    await instance.exited; // a failed start leaves no process behind
    throw error;
  }
  return instance;
}
