// What callers may send: keys, operation ids and inputs are checked once, at the edge.
import { NimbusError } from "../../core/errors.ts";

/**
 * Keys name IAM resources (entity/<name>/<key>) and path segments: no '/', no wildcards; at
 * most 100 characters, the HTTP API's limit of a path parameter.
 */
const KEY = /^[A-Za-z0-9._:@=+-]{1,100}$/;
/** Operation ids: any printable text (a workflow step's idempotency key is one). */
const OPERATION_ID = /^[\x21-\x7e]{1,512}$/;
/** An operation's input, JSON text; larger ones are refused. */
export const MAX_ENTITY_INPUT_BYTES = 256 * 1024;
/** A committed state (JSON text) larger than this is refused: the batch runs again alone and fails. */
export const MAX_ENTITY_STATE_BYTES = 1024 * 1024;
/** How long a call waits for its result by default, and at most. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
export const MAX_CALL_TIMEOUT_MS = 5 * 60_000;

export function checkKey(key: string): void {
  if (!KEY.test(key)) {
    throw new NimbusError(
      "ENTITY_KEY_INVALID",
      `Entity key ${JSON.stringify(key.slice(0, 300))} is not 1–100 letters, digits, '.', '_', '-', ':', '@', '=' or '+'`,
    );
  }
}

export function checkOperationId(operationId: string): void {
  if (!OPERATION_ID.test(operationId)) {
    throw new NimbusError("BAD_REQUEST", "An operationId is 1–512 printable ASCII characters without spaces");
  }
}

export function checkInput(json: string): void {
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_ENTITY_INPUT_BYTES) {
    throw new NimbusError(
      "PAYLOAD_TOO_LARGE",
      `An entity operation's input may be at most ${MAX_ENTITY_INPUT_BYTES} bytes, not ${bytes}`,
    );
  }
}
