// The runtime's public contract with the rest of the platform.
import type { ErrorCode } from "../core/errors.ts";
import type { FunctionConfig } from "../core/manifest/normalize.ts";
import type { HttpResult, InvocationRequest, SerializedError } from "./protocol.ts";
import type { StreamedResponse } from "./streamed-response.ts";

/** One deployable unit: a function of an app at a deployment version, already bundled. */
export interface FunctionDeployment {
  readonly app: string;
  readonly version: string;
  readonly config: FunctionConfig;
  /** Absolute path of the bundled ESM file (source map beside it as .map). */
  readonly bundlePath: string;
}

export type InvocationStatus = "success" | "error";

/** What happened in one call; becomes an invocation record in the store. */
export interface InvocationOutcome {
  readonly requestId: string;
  readonly app: string;
  readonly functionName: string;
  readonly version: string;
  /** Epoch ms when the call was accepted by the pool. */
  readonly startedAt: number;
  /** From acceptance to answer, including any queueing and cold start. */
  readonly durationMs: number;
  /** Duration rounded up to the next whole millisecond, as Lambda bills. */
  readonly billedDurationMs: number;
  /** True when the call was the first on a newly specialised instance. */
  readonly cold: boolean;
  /** Time to specialise the instance, for cold calls. */
  readonly initDurationMs: number | undefined;
  /** Peak RSS of the instance in MB, as far as known. */
  readonly peakMemoryMb: number | undefined;
  readonly status: InvocationStatus;
  readonly errorCode: ErrorCode | undefined;
  readonly errorMessage: string | undefined;
  readonly response: HttpResult | undefined;
  /**
   * Set on the outcome a caller that accepts streams (InvokeOptions.acceptStream) gets when
   * the function streams its response: `response` then holds the status and headers (an
   * empty body), the body comes through `stream`, and `stream.pipe()` resolves with the
   * call's final outcome (the one recorded).
   */
  readonly stream?: StreamedResponse;
  /**
   * The error the function reported itself (a throw in a Node handler, a custom runtime's
   * POST …/error), as opposed to one the platform observed (timeout, crash, out of memory).
   * The Invoke API answers it as a handled error with its type, message and stack.
   */
  readonly functionError?: SerializedError;
}

export interface LogLine {
  readonly timestamp: number;
  readonly app: string;
  readonly functionName: string;
  readonly version: string;
  /** The call the line belongs to; undefined for lines printed outside any call (e.g. at init). */
  readonly requestId: string | undefined;
  readonly stream: "stdout" | "stderr";
  readonly level: "info" | "warn" | "error" | "debug";
  readonly message: string;
}

export interface RuntimeEvents {
  onLog(line: LogLine): void;
  onInvocation(outcome: InvocationOutcome): void;
}

/** A running instance, as environment hooks see it: its id, and a way to replace its credentials. */
export interface InstanceCredentialsChannel {
  /** Random, unique per instance process. */
  readonly id: string;
  /** Sets these variables in the running instance (e.g. a rotated NIMBUS_TOKEN); ignored once it ended. */
  pushCredentials(credentials: Readonly<Record<string, string>>): void;
}

/** What environment hooks add to a new instance's environment. */
export interface InstanceEnvironment {
  /** The function's own variables (its secrets): below the platform's variables, like the declared env. */
  readonly variables: Readonly<Record<string, string>>;
  /** Set last, above everything (the instance's token). */
  readonly credentials: Readonly<Record<string, string>>;
}

/**
 * Per-instance environment beyond the declared one, supplied by identity: secrets and a
 * short-lived token. The runtime only carries it; it never looks at the values.
 */
export interface InstanceEnvironmentHooks {
  /** Before a stem cell is specialised; a rejection fails the start (and a deploy's first one). */
  prepare(instance: InstanceCredentialsChannel, deployment: FunctionDeployment): Promise<InstanceEnvironment>;
  /** The instance has ended (exited or was killed): whatever was issued to it must stop working. */
  ended(instanceId: string): void;
}

export interface InvokeOptions {
  readonly requestId: string;
  /**
   * The caller can write a response as it streams (the gateway): a streamed call then
   * resolves at its start with `outcome.stream`. Otherwise every call resolves once, at its
   * end, with the whole body.
   */
  readonly acceptStream?: boolean;
}

export type { HttpResult, InvocationRequest };
