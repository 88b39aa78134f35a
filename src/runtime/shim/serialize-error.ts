// Inside the instance: a thrown value becomes plain data for the IPC channel. The process
// runs with --enable-source-maps, so reading `stack` here already yields the frames mapped
// to the function's TypeScript sources.
import { inspect } from "node:util";
import type { SerializedError } from "../protocol.ts";

/** The shim's own file: once bundled, every shim frame names it. */
const SHIM_URL = import.meta.url;

/**
 * Drops the frames from the first one in the shim onwards: they show how the shim called
 * the handler (and AsyncLocalStorage below it), which is the same for every error and
 * hides the user's frames in a log view.
 */
export function withoutShimFrames(stack: string): string {
  const lines = stack.split("\n");
  const firstShimFrame = lines.findIndex(
    (line) => line.trimStart().startsWith("at ") && line.includes(SHIM_URL),
  );
  return firstShimFrame === -1 ? stack : lines.slice(0, firstShimFrame).join("\n");
}

export function serializeError(thrown: unknown): SerializedError {
  if (thrown instanceof Error) {
    const stack = typeof thrown.stack === "string" ? withoutShimFrames(thrown.stack) : undefined;
    return { name: thrown.name, message: thrown.message, ...(stack ? { stack } : {}) };
  }
  // Function code may throw anything: a string, an object, undefined.
  return { name: "Error", message: typeof thrown === "string" ? thrown : inspect(thrown, { depth: 2 }) };
}
