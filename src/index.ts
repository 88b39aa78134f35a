// nimbus: the programmatic API. `createPlatform(options)` → `{ start(), stop(), url }`.

export type { AppPackage } from "./control/app-package.ts";
export type { DeployPlan } from "./control/deploy-plan.ts";
export type { DeployResult } from "./control/deployer.ts";
export { packageApp } from "./control/package-app.ts";
export { type ErrorCode, NimbusError } from "./core/errors.ts";
export {
  createPlatform,
  type Platform,
  type PlatformHooks,
  type PlatformOptions,
  type StartInfo,
} from "./platform.ts";
