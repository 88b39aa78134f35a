// A response a function streams: its status and headers are known when it starts, its body
// arrives in chunks, and the call's outcome only at the end. The instance pushes into it;
// one consumer (the gateway) pipes it. Chunks that arrive before the consumer attaches are
// kept, so nothing is lost between the two. A caller that did not ask for a stream (a direct
// call, a queue) never sees this object: its call settles once, with the whole body.
import type { InvocationOutcome } from "./types.ts";

/** Lambda's streamed-response limit (the soft limit of function URLs). */
export const MAX_STREAMED_BYTES = 20 * 1024 * 1024;

export interface StreamSink {
  write(chunk: Uint8Array): void;
}

export class StreamedResponse {
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Bytes pushed so far. */
  bytes = 0;
  readonly #buffered: Uint8Array[] = [];
  #sink: StreamSink | undefined;
  readonly #finished = Promise.withResolvers<InvocationOutcome>();
  #done = false;

  constructor(status: number, headers: ReadonlyArray<readonly [string, string]>) {
    this.status = status;
    this.headers = headers;
  }

  /** The instance: one more chunk of the body. */
  push(chunk: Uint8Array): void {
    if (this.#done) return;
    this.bytes += chunk.byteLength;
    if (this.#sink === undefined) this.#buffered.push(chunk);
    else this.#sink.write(chunk);
  }

  /** The instance: the call settled; a failed outcome means the body is incomplete. */
  finish(outcome: InvocationOutcome): void {
    if (this.#done) return;
    this.#done = true;
    this.#finished.resolve(outcome);
  }

  /** Writes every chunk to `sink` as it comes; resolves with the call's final outcome. */
  pipe(sink: StreamSink): Promise<InvocationOutcome> {
    for (const chunk of this.#buffered.splice(0)) sink.write(chunk);
    this.#sink = sink;
    return this.#finished.promise;
  }

  /** Everything pushed, for a call whose caller did not ask for a stream (nobody piped). */
  bufferedBody(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.#buffered.splice(0)));
  }
}
