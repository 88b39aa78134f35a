// Streamed responses, inside the instance. Two ways in:
// - fetch-style: a Response whose body is not all there at once (its next chunk is not ready
//   within the current event-loop turn: a ReadableStream fed over time, a proxied fetch) is
//   streamed; a body that is complete at once (a string, bytes, JSON) is sent whole, in one
//   message, as before. The test costs nothing measurable: reading with a reader is as fast
//   as arrayBuffer().
// - Lambda-style: awslambda.streamifyResponse(handler) (lambda-streaming.ts).
// Either way the server gets response-start, response-chunk… and then response-end (sent
// by main.ts when the handler is done), and the handler's result is STREAMED.
// Runs inside function processes: no server imports.
import type { HttpResult } from "../protocol.ts";
import { ResponseInvalidError } from "./shim-errors.ts";

/** What a handler returns when it has already sent its response as a stream. */
export const STREAMED: unique symbol = Symbol("nimbus.streamed");
export type Streamed = typeof STREAMED;

/** How the shim sends a streamed response to the server (main.ts, over IPC). */
export interface ResponseStreamer {
  start(requestId: string, status: number, headers: ReadonlyArray<readonly [string, string]>): void;
  /** Resolves once the chunk has left the process: the writer's backpressure. */
  chunk(requestId: string, chunk: Uint8Array): Promise<void>;
}

const NOT_YET: unique symbol = Symbol("not-yet");
const encoder = new TextEncoder();

/** The read if it settles within this event-loop turn (microtasks included), else NOT_YET. */
function settledThisTurn<T>(pending: Promise<T>): Promise<T | typeof NOT_YET> {
  return new Promise((resolve, reject) => {
    const timer = setImmediate(resolve, NOT_YET);
    pending.then(
      (value) => {
        clearImmediate(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearImmediate(timer);
        reject(error);
      },
    );
  });
}

/** Response bodies must be bytes; text chunks are accepted and encoded, as most servers do. */
export function chunkBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return encoder.encode(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new ResponseInvalidError(`A response body chunk must be bytes or text, got ${typeof value}`);
}

function joined(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Reads a fetch Response's body: the whole body when it is complete at once, otherwise
 * streams it (what was read so far, then the rest as it comes) and returns STREAMED.
 */
export async function readOrStreamBody(
  status: number,
  headers: ReadonlyArray<readonly [string, string]>,
  body: ReadableStream<unknown>,
  requestId: string,
  streamer: ResponseStreamer,
): Promise<HttpResult | Streamed> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const pending = reader.read();
    const next = await settledThisTurn(pending);
    if (next === NOT_YET) {
      streamer.start(requestId, status, headers);
      for (const chunk of chunks) await streamer.chunk(requestId, chunk);
      await streamRest(reader, pending, requestId, streamer);
      return STREAMED;
    }
    if (next.done) return { status, headers, body: joined(chunks) };
    chunks.push(chunkBytes(next.value));
  }
}

async function streamRest(
  reader: ReadableStreamDefaultReader<unknown>,
  first: Promise<ReadableStreamReadResult<unknown>>,
  requestId: string,
  streamer: ResponseStreamer,
): Promise<void> {
  let next = await first;
  while (!next.done) {
    const bytes = chunkBytes(next.value);
    if (bytes.byteLength > 0) await streamer.chunk(requestId, bytes);
    next = await reader.read();
  }
}

/** What a fetch handler returned, whole or streamed (see readOrStreamBody). */
export async function fetchResult(
  head: { response: Response; status: number; headers: Array<readonly [string, string]> },
  requestId: string,
  streamer: ResponseStreamer,
): Promise<HttpResult | Streamed> {
  const { response, status, headers } = head;
  if (response.body === null) return { status, headers, body: new Uint8Array(0) };
  return readOrStreamBody(status, headers, response.body, requestId, streamer);
}
