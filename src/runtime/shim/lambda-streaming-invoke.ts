// Calls a streamified Lambda handler: handler(event, responseStream, context), the event
// built as for any Lambda handler. Without a streamer (the adapter's unit tests, warm-up)
// the stream is collected into one HttpResult instead.
// Runs inside function processes: no server imports.
import type { HttpResult, InvocationRequest } from "../protocol.ts";
import { toDirectLambdaEvent } from "./direct-invocation.ts";
import type { InvokeContextInfo } from "./handler-adapter.ts";
import { createLambdaContext } from "./lambda-context.ts";
import { toLambdaHttpEvent } from "./lambda-http-event.ts";
import { LambdaResponseStream, runStreamingHandler } from "./lambda-streaming.ts";
import { type ResponseStreamer, STREAMED, type Streamed } from "./response-streaming.ts";

type StreamingHandler = (event: unknown, responseStream: unknown, context: unknown) => unknown;

/** A streamer that keeps everything, for callers that want one whole response. */
export function collectingStreamer(): { streamer: ResponseStreamer; result(): HttpResult } {
  let head: Pick<HttpResult, "status" | "headers"> = { status: 200, headers: [] };
  const chunks: Uint8Array[] = [];
  return {
    streamer: {
      start: (_requestId, status, headers) => {
        head = { status, headers };
      },
      chunk: async (_requestId, chunk) => {
        chunks.push(chunk);
      },
    },
    result: () => ({ ...head, body: new Uint8Array(Buffer.concat(chunks)) }),
  };
}

export async function invokeLambdaStreaming(
  handler: StreamingHandler,
  request: InvocationRequest,
  info: InvokeContextInfo,
  streamer: ResponseStreamer | undefined,
): Promise<HttpResult | Streamed> {
  const collecting = streamer === undefined ? collectingStreamer() : undefined;
  const stream = new LambdaResponseStream(
    info.requestId,
    streamer ?? (collecting as { streamer: ResponseStreamer }).streamer,
  );
  const event =
    request.kind === "http"
      ? toLambdaHttpEvent(request, info.requestId, info.identity)
      : toDirectLambdaEvent(request);
  // Legacy completions (context.done/succeed/fail) end or fail the stream.
  const context = createLambdaContext(info, {
    resolve: () => {
      if (!stream.writableEnded) stream.end();
    },
    reject: (error) => stream.destroy(error instanceof Error ? error : new Error(String(error))),
  });
  await runStreamingHandler((responseStream) => handler(event, responseStream, context), stream);
  return collecting === undefined ? STREAMED : collecting.result();
}
