// The principal of a function: its role is the `permissions` of its config, as deployed.
import type { FunctionDeployment } from "../runtime/index.ts";
import type { FunctionPrincipal } from "./principal.ts";

export function functionPrincipal(
  deployment: FunctionDeployment,
  instanceId: string | undefined,
): FunctionPrincipal {
  const { config } = deployment;
  return {
    kind: "function",
    app: deployment.app,
    functionName: config.name,
    version: deployment.version,
    instanceId,
    // Configs stored before identity existed have no permissions: the function reaches nothing.
    policy: { name: `function/${config.name}`, statements: config.permissions ?? [] },
  };
}
