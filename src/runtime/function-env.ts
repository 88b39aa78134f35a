// The complete environment of a function process, computed by the server and set by the
// shim at specialisation (the process was spawned with an empty one). Nothing of the
// server's own environment is in it. The platform's variables win over declared ones of
// the same name, so a function cannot pretend to be another or move its clock off UTC.
import { dirname } from "node:path";
import { lambdaEnvironment } from "./lambda-env.ts";
import type { FunctionDeployment } from "./types.ts";

/** `taskRoot`: where the function's code is (LAMBDA_TASK_ROOT); the bundle's folder by default. */
export function functionEnvironment(
  deployment: FunctionDeployment,
  platformUrl: string,
  taskRoot: string = dirname(deployment.bundlePath),
): Record<string, string> {
  const { config, app, version } = deployment;
  const memory = String(config.memoryMb);
  return {
    // UTF-8 text by default (a declared LANG wins); C.UTF-8 exists on every glibc system.
    LANG: "C.UTF-8",
    ...config.env,
    // Lambda's defined variables (_HANDLER, LAMBDA_TASK_ROOT, …): code written for Lambda reads them.
    ...lambdaEnvironment(deployment, taskRoot),
    PATH: "/usr/local/bin:/usr/bin:/bin",
    TZ: "UTC",
    NIMBUS_APP: app,
    NIMBUS_FUNCTION_NAME: config.name,
    NIMBUS_FUNCTION_VERSION: version,
    NIMBUS_FUNCTION_MEMORY_MB: memory,
    NIMBUS_PLATFORM_URL: platformUrl,
    // Lambda code reads these to know where it runs.
    AWS_LAMBDA_FUNCTION_NAME: config.name,
    AWS_LAMBDA_FUNCTION_VERSION: version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory,
    AWS_REGION: "local",
  };
}
