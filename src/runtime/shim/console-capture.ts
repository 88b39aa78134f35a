// Inside the instance: every console call becomes one marked line that says which request
// printed it. The current request follows the code through awaits and timers with
// AsyncLocalStorage, so concurrent calls on one instance (perInstance > 1) are told apart.
// (This folder runs inside function processes: it must not import server code.)
import { AsyncLocalStorage } from "node:async_hooks";
import { format, inspect } from "node:util";
import { LOG_MARKER } from "../protocol.ts";

type Level = "info" | "warn" | "error" | "debug";

const currentRequest = new AsyncLocalStorage<string>();

/** Runs `work(argument)` with `requestId` as the current request (no closure per call). */
export function runInRequest<A, R>(requestId: string, work: (argument: A) => R, argument: A): R {
  return currentRequest.run(requestId, work, argument);
}

export function currentRequestId(): string | undefined {
  return currentRequest.getStore();
}

/** Writes one marked line; pipes are synchronous on Linux, so nothing is lost if the process dies next. */
export function writeLogLine(
  stream: NodeJS.WriteStream,
  level: Level,
  message: string,
  requestId?: string,
): void {
  const id = requestId ?? currentRequest.getStore() ?? "";
  stream.write(`${LOG_MARKER}${id}\t${level}\t${JSON.stringify(message)}\n`);
}

function writer(stream: NodeJS.WriteStream, level: Level) {
  return (...args: unknown[]): void => writeLogLine(stream, level, format(...args));
}

/** Replaces the console methods function code uses; the others (table, count, assert…) call these. */
export function installConsoleCapture(): void {
  const { stdout, stderr } = process;
  console.log = writer(stdout, "info");
  console.info = writer(stdout, "info");
  console.debug = writer(stdout, "debug");
  console.warn = writer(stderr, "warn");
  console.error = writer(stderr, "error");
  console.trace = (...args: unknown[]): void => {
    const trace = { name: "Trace", message: format(...args) } as Error;
    Error.captureStackTrace(trace, console.trace);
    writeLogLine(stderr, "debug", trace.stack ?? `Trace: ${trace.message}`);
  };
  // console.dir bypasses console.log inside Node, so it is replaced too.
  console.dir = (item: unknown, options?: object): void =>
    writeLogLine(stdout, "info", inspect(item, options));
}
