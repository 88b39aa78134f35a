// The function runtime: instance processes, stem cells, pools, bundling. See ARCHITECTURE.md.
export { type BundleFunctionOptions, bundleFunction } from "./bundler.ts";
export { functionFolder, packFunctionFolder } from "./custom/pack-function-folder.ts";
export { validateFunctionPackage } from "./custom/task-root.ts";
export { FunctionPool, type PoolStats } from "./function-pool.ts";
export type {
  DirectInvocationRequest,
  FunctionIdentity,
  HttpInvocationRequest,
  HttpResult,
  InvocationRequest,
} from "./protocol.ts";
export { Runtime, type RuntimeOptions, type RuntimeStats } from "./runtime.ts";
export type { StreamedResponse } from "./streamed-response.ts";
export type {
  FunctionDeployment,
  InstanceCredentialsChannel,
  InstanceEnvironment,
  InstanceEnvironmentHooks,
  InvocationOutcome,
  InvocationStatus,
  InvokeOptions,
  LogLine,
  RuntimeEvents,
} from "./types.ts";
