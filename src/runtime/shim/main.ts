// The entry of every Node instance process (bundled to <dataDir>/runtime/shim.mjs).
// Life of the process: start generic as a stem cell → warm up → "stem-ready" → receive one
// "specialize" (env, cwd, import the bundle, find the export) → serve "invoke" messages
// for that one function version until the server kills it. It exits by itself when the
// IPC channel closes, so no instance outlives its server, even one killed with -9.
// (This folder runs inside function processes: it must not import server code.)
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import type {
  FunctionIdentity,
  InstanceToServer,
  InvokeMessage,
  ServerToInstance,
  SpecializeMessage,
} from "../protocol.ts";
import { currentRequestId, installConsoleCapture, runInRequest, writeLogLine } from "./console-capture.ts";
import { createInstanceHandler, type InstanceHandler } from "./handler-adapter.ts";
import { installAwsLambdaGlobal } from "./lambda-streaming.ts";
import { type ResponseStreamer, STREAMED } from "./response-streaming.ts";
import { serializeError } from "./serialize-error.ts";
import { HandlerNotFoundError, ResponseInvalidError } from "./shim-errors.ts";
import { warmUp } from "./warm-up.ts";

let handler: InstanceHandler | undefined;
let identity: FunctionIdentity | undefined;
let specializing = false;
/** Requests being handled, to name the culprit of a crash that happens outside any request context. */
const inFlight = new Set<string>();

function send(message: InstanceToServer): void {
  if (process.connected) process.send?.(message);
}

/** Streamed responses leave chunk by chunk; a chunk's promise resolves once it is sent (backpressure). */
const streamer: ResponseStreamer = {
  start: (requestId, status, headers) => send({ type: "response-start", requestId, status, headers }),
  chunk: (requestId, chunk) =>
    new Promise<void>((resolve) => {
      if (!process.connected || process.send === undefined) resolve();
      else process.send({ type: "response-chunk", requestId, chunk }, undefined, {}, () => resolve());
    }),
};

/** The function sees exactly the environment the server computed, nothing inherited. */
function replaceEnvironment(env: Readonly<Record<string, string>>): void {
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, env);
}

/** esbuild turns a CommonJS entry into `export default module.exports`; its named exports live there. */
function withCommonJsExports(
  moduleExports: Record<string, unknown>,
  exportName: string,
): Record<string, unknown> {
  const fallback = moduleExports.default;
  if (exportName in moduleExports || typeof fallback !== "object" || fallback === null) return moduleExports;
  if (!(exportName in fallback)) return moduleExports;
  return { ...moduleExports, [exportName]: (fallback as Record<string, unknown>)[exportName] };
}

async function specialize(message: SpecializeMessage): Promise<void> {
  if (specializing) return; // one function version per process, for life
  specializing = true;
  replaceEnvironment(message.env);
  process.chdir(dirname(message.bundlePath));
  const started = performance.now();
  let moduleExports: Record<string, unknown>;
  try {
    moduleExports = (await import(pathToFileURL(message.bundlePath).href)) as Record<string, unknown>;
  } catch (error) {
    send({ type: "init-error", code: "FUNCTION_INIT_ERROR", error: serializeError(error) });
    return;
  }
  try {
    handler = createInstanceHandler(
      withCommonJsExports(moduleExports, message.exportName),
      message.exportName,
      message.identity,
      streamer,
    );
  } catch (error) {
    const code = error instanceof HandlerNotFoundError ? "HANDLER_NOT_FOUND" : "FUNCTION_INIT_ERROR";
    send({ type: "init-error", code, error: serializeError(error) });
    return;
  }
  identity = message.identity;
  send({ type: "specialized", initDurationMs: performance.now() - started });
}

async function invoke(message: InvokeMessage): Promise<void> {
  const { requestId } = message;
  inFlight.add(requestId);
  try {
    if (!handler || !identity) throw new Error("The instance received a call before it was specialised");
    const result = await handler(message.request, { requestId, deadlineMs: message.deadlineMs, identity });
    if (result === STREAMED)
      send({ type: "response-end", requestId, maxRssKb: process.resourceUsage().maxRSS });
    else send({ type: "result", requestId, result, maxRssKb: process.resourceUsage().maxRSS });
  } catch (error) {
    send({
      type: "invoke-error",
      requestId,
      code: error instanceof ResponseInvalidError ? "FUNCTION_RESPONSE_INVALID" : "FUNCTION_ERROR",
      error: serializeError(error),
      maxRssKb: process.resourceUsage().maxRSS,
    });
  } finally {
    inFlight.delete(requestId);
  }
}

function onMessage(message: ServerToInstance): void {
  if (message.type === "invoke") void runInRequest(message.requestId, invoke, message);
  else if (message.type === "specialize") void specialize(message);
  else if (message.type === "credentials" && specializing) Object.assign(process.env, message.credentials);
}

/**
 * A throw in a timer or an unhandled rejection leaves the process in an unknown state:
 * report it against the request that caused it, then exit so the pool replaces the
 * instance (Lambda does the same).
 */
function onFatalError(error: unknown, origin: string): void {
  const only = inFlight.size === 1 ? inFlight.values().next().value : undefined;
  const { name, message, stack } = serializeError(error);
  const what = origin === "unhandledRejection" ? "Unhandled promise rejection" : "Uncaught exception";
  writeLogLine(
    process.stderr,
    "error",
    `${what}: ${stack ?? `${name}: ${message}`}`,
    currentRequestId() ?? only,
  );
  process.exit(1);
}

function main(): void {
  if (!process.send) {
    process.stderr.write("The Nimbus shim is started by the Nimbus runtime, with an IPC channel.\n");
    process.exit(2);
  }
  process.on("disconnect", () => process.exit(0));
  process.on("uncaughtException", onFatalError);
  process.on("message", onMessage);
  installConsoleCapture();
  installAwsLambdaGlobal();
  void warmUp().then(() => send({ type: "stem-ready" }));
}

main();
