// Why an instance process ended, in the words a caller sees. Kept pure so every case can be
// tested without making a process die that way.
import type { ErrorCode } from "../core/errors.ts";

/** Why the runtime itself killed the process, if it did. */
export type KillReason =
  | "timeout"
  | "memory"
  | "start-timeout"
  | "init-failed"
  | "protocol"
  | "response-too-large"
  | "idle"
  | "platform-stop";

export interface ExitFacts {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly killReason: KillReason | undefined;
  /** V8 wrote its "JavaScript heap out of memory" report to stderr. */
  readonly heapOutOfMemory: boolean;
  readonly memoryMb: number;
  readonly timeoutMs: number;
  /** How long loading the code may take (see instance.ts). */
  readonly initTimeoutMs: number;
}

export interface CallFailure {
  readonly code: ErrorCode;
  readonly message: string;
}

function describeExit(facts: ExitFacts): string {
  return facts.signal ? `signal ${facts.signal}` : `exit code ${facts.exitCode}`;
}

/**
 * The failure of a call that was in flight when the process ended. `timedOut` is true for
 * the call whose timer fired; the other calls sharing the instance only lost their process.
 */
export function failureOfCallInFlight(facts: ExitFacts, timedOut: boolean): CallFailure {
  if (timedOut) {
    return {
      code: "FUNCTION_TIMEOUT",
      message: `The call ran past its timeout of ${facts.timeoutMs} ms; the instance was stopped`,
    };
  }
  // V8 aborts (SIGABRT) after printing its heap report; the watchdog kills on RSS.
  if (facts.killReason === "memory" || facts.heapOutOfMemory || facts.signal === "SIGABRT") {
    return {
      code: "FUNCTION_OUT_OF_MEMORY",
      message: `The instance went over its memory limit of ${facts.memoryMb} MB and was stopped`,
    };
  }
  switch (facts.killReason) {
    case "timeout":
      return {
        code: "FUNCTION_ERROR",
        message: "The instance was stopped because another call on it timed out",
      };
    case "platform-stop":
      return { code: "PLATFORM_UNAVAILABLE", message: "The platform stopped while the call was running" };
    case "protocol":
      return { code: "FUNCTION_ERROR", message: "The instance sent a malformed message and was stopped" };
    case "response-too-large":
      return {
        code: "FUNCTION_ERROR",
        message: "The instance was stopped because another call on it streamed too large a response",
      };
    default:
      return {
        code: "FUNCTION_ERROR",
        message: `The instance exited during the call (${describeExit(facts)}); its logs show why`,
      };
  }
}

/** The failure of a specialisation the process did not survive. */
export function failureOfInit(facts: ExitFacts): CallFailure {
  if (facts.killReason === "memory" || facts.heapOutOfMemory || facts.signal === "SIGABRT") {
    return {
      code: "FUNCTION_OUT_OF_MEMORY",
      message: `The instance went over its memory limit of ${facts.memoryMb} MB while loading the code`,
    };
  }
  if (facts.killReason === "platform-stop") {
    return { code: "PLATFORM_UNAVAILABLE", message: "The platform stopped while the function was loading" };
  }
  if (facts.killReason === "start-timeout") {
    return {
      code: "FUNCTION_INIT_ERROR",
      message: `The function code did not finish loading within ${facts.initTimeoutMs} ms; the instance was stopped`,
    };
  }
  return {
    code: "FUNCTION_INIT_ERROR",
    message: `The instance exited while loading the function code (${describeExit(facts)}); its logs show why`,
  };
}
