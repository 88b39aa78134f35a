// The environment variables AWS Lambda defines in every execution environment
// (docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html, "Defined runtime
// environment variables"), so that code and runtimes written for Lambda find what they look
// for. Node functions get them beside the NIMBUS_* ones; custom runtimes also get
// AWS_LAMBDA_RUNTIME_API (custom/custom-env.ts). Values that have no Nimbus equivalent are
// chosen to be harmless: the region is "local" and the account id is all zeros, as
// LocalStack and SAM local do.
import type { FunctionDeployment } from "./types.ts";

/** The account id used in every ARN Nimbus shows a function (as in the shim's events). */
export const LAMBDA_ACCOUNT_ID = "000000000000";
export const LAMBDA_REGION = "local";

/** `arn:aws:lambda:local:000000000000:function:<name>[:<qualifier>]`. */
export function functionArn(functionName: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${LAMBDA_REGION}:${LAMBDA_ACCOUNT_ID}:function:${functionName}`;
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}

/**
 * The handler as Lambda passes it in `_HANDLER`: for a Node function the handler string of
 * the manifest ("src/api.handler"); for a custom runtime the part after the function's
 * folder ("function.handler" for "bash/function.handler"), because there the folder is the
 * task root, as the root of a Lambda .zip is.
 */
export function lambdaHandlerName(deployment: FunctionDeployment): string {
  const { handler, runtime } = deployment.config;
  const full = `${handler.file}.${handler.exportName}`;
  if (runtime !== "custom") return full;
  const slash = full.lastIndexOf("/");
  return slash === -1 ? full : full.slice(slash + 1);
}

/** Lambda's defined variables for one instance whose code lives in `taskRoot`. */
export function lambdaEnvironment(deployment: FunctionDeployment, taskRoot: string): Record<string, string> {
  const { config, app, version } = deployment;
  return {
    _HANDLER: lambdaHandlerName(deployment),
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: taskRoot,
    AWS_LAMBDA_FUNCTION_NAME: config.name,
    AWS_LAMBDA_FUNCTION_VERSION: version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/nimbus/${app}/${config.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${version}/instance`,
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_REGION: LAMBDA_REGION,
    AWS_DEFAULT_REGION: LAMBDA_REGION,
  };
}
