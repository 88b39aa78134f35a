// The principal of a function: its role is the `permissions` of its config, as deployed.
import { appResource } from "../core/policy/index.ts";
import type { PolicyStatement } from "../core/policy/types.ts";
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
    policy: {
      name: `function/${config.name}`,
      statements: [...(config.permissions ?? []), ...selfStart(deployment)],
    },
  };
}

/** A workflow function may start itself: its triggers' events start instances (sdk/workflow-trigger.ts). */
function selfStart(deployment: FunctionDeployment): PolicyStatement[] {
  if (deployment.config.workflow !== true) return [];
  return [
    {
      sid: "workflow-self-start",
      effect: "allow",
      actions: ["workflows:StartWorkflow"],
      resources: [appResource(deployment.app, `workflow/${deployment.config.name}`)],
    },
  ];
}
