export interface FunctionInfo {
  readonly app: string;
  readonly functionName: string;
  readonly version: string;
  readonly memoryMb: number;
  /** Base URL of the platform's HTTP API, for calls back into Nimbus. */
  readonly platformUrl: string;
}

/** Who this function is, from the variables Nimbus sets in every instance. */
export function functionInfo(env: Record<string, string | undefined> = process.env): FunctionInfo {
  return {
    app: env.NIMBUS_APP ?? "",
    functionName: env.NIMBUS_FUNCTION_NAME ?? "",
    version: env.NIMBUS_FUNCTION_VERSION ?? "",
    memoryMb: Number(env.NIMBUS_FUNCTION_MEMORY_MB ?? 0),
    platformUrl: env.NIMBUS_PLATFORM_URL ?? "",
  };
}
