// AWS Lambda response streaming for Node handlers, as Lambda's Node.js runtime provides it
// (docs.aws.amazon.com/lambda/latest/dg/config-rs-write-functions.html): the global
// `awslambda` with streamifyResponse(handler) and HttpResponseStream.from(stream, metadata).
// A streamified handler is called as handler(event, responseStream, context); responseStream
// is a Node Writable. Without HttpResponseStream.from the answer is 200 with
// content-type application/octet-stream, as for Lambda function URLs.
//
// The call is complete when the stream has finished. If the handler returns a promise and
// has not ended the stream when it settles, the stream is ended for it; a handler that
// returns nothing must end the stream itself (pipeline() does). A throw before anything was
// written fails the call as usual (502); after, the response is cut.
// Runs inside function processes: no server imports.
import { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { chunkBytes, type ResponseStreamer } from "./response-streaming.ts";
import { ResponseInvalidError } from "./shim-errors.ts";

/** The marker Lambda's own runtime puts on a streamified handler (Symbol.for, so libraries agree). */
export const HANDLER_STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const STREAM_RESPONSE = "response";

type AnyFunction = (...args: never[]) => unknown;

export function streamifyResponse<T extends AnyFunction>(handler: T): T {
  (handler as T & { [HANDLER_STREAMING]?: string })[HANDLER_STREAMING] = STREAM_RESPONSE;
  return handler;
}

export function isStreamingHandler(handler: unknown): boolean {
  return (
    typeof handler === "function" &&
    (handler as { [HANDLER_STREAMING]?: unknown })[HANDLER_STREAMING] === STREAM_RESPONSE
  );
}

export interface HttpResponseMetadata {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  cookies?: string[];
}

function headerPairs(metadata: HttpResponseMetadata): Array<readonly [string, string]> {
  const pairs: Array<readonly [string, string]> = [];
  for (const [name, value] of Object.entries(metadata.headers ?? {})) {
    if (!["string", "number", "boolean"].includes(typeof value)) {
      throw new ResponseInvalidError(`The value of header "${name}" must be a string`);
    }
    pairs.push([name.toLowerCase(), String(value)]);
  }
  const cookies = metadata.cookies ?? [];
  if (!Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === "string")) {
    throw new ResponseInvalidError("cookies must be an array of strings (one Set-Cookie value each)");
  }
  for (const cookie of cookies) pairs.push(["set-cookie", cookie]);
  return pairs;
}

/** The responseStream a streamified handler writes to. */
export class LambdaResponseStream extends Writable {
  #status = 200;
  #headers: Array<readonly [string, string]> = [["content-type", "application/octet-stream"]];
  #started = false;
  readonly #requestId: string;
  readonly #streamer: ResponseStreamer;

  constructor(requestId: string, streamer: ResponseStreamer) {
    super();
    this.#requestId = requestId;
    this.#streamer = streamer;
  }

  get started(): boolean {
    return this.#started;
  }

  /** Status, headers and cookies; only before the first write (HttpResponseStream.from). */
  setMetadata(metadata: HttpResponseMetadata): void {
    if (this.#started)
      throw new ResponseInvalidError("HttpResponseStream.from must be called before writing");
    const status = metadata.statusCode ?? 200;
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new ResponseInvalidError(
        `statusCode must be an integer from 100 to 599, got ${JSON.stringify(status)}`,
      );
    }
    this.#status = status;
    this.#headers = headerPairs(metadata);
  }

  /** As Lambda's responseStream.setContentType. */
  setContentType(contentType: string): void {
    if (this.#started) throw new ResponseInvalidError("setContentType must be called before writing");
    this.#headers = [
      ...this.#headers.filter(([name]) => name !== "content-type"),
      ["content-type", contentType],
    ];
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let bytes: Uint8Array;
    try {
      bytes = chunkBytes(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    this.#start();
    this.#streamer.chunk(this.#requestId, bytes).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#start(); // an empty body still has a status and headers
    callback();
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#streamer.start(this.#requestId, this.#status, this.#headers);
  }
}

export const HttpResponseStream = {
  from(stream: LambdaResponseStream, metadata: HttpResponseMetadata): LambdaResponseStream {
    stream.setMetadata(metadata);
    return stream;
  },
};

/** Lambda's Node.js runtime defines this global; Nimbus's shim does too, before any code loads. */
export function installAwsLambdaGlobal(): void {
  Object.defineProperty(globalThis, "awslambda", {
    value: Object.freeze({ streamifyResponse, HttpResponseStream }),
    enumerable: false,
    writable: false,
    configurable: true,
  });
}

/** Runs a streamified handler to the end of its stream; the stream's error, or the handler's, rejects. */
export async function runStreamingHandler(
  call: (stream: LambdaResponseStream) => unknown,
  stream: LambdaResponseStream,
): Promise<void> {
  // Without a listener a stream error would be an uncaught exception; `done` reports it.
  stream.on("error", () => {});
  const done = finished(stream);
  done.catch(() => {}); // awaited below, or abandoned when the handler itself failed
  try {
    const returned = call(stream);
    if (isThenable(returned)) {
      await returned;
      if (!stream.writableEnded) stream.end();
    }
  } catch (error) {
    stream.destroy();
    throw error;
  }
  await done;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
