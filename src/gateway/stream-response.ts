// Writing a streamed response: the function's status and headers at once (chunked transfer
// encoding, no content-length), then each chunk as the instance sends it, so the client gets
// its first byte before the function ends. A call that fails part-way (a throw, its
// timeout, a crash) cannot change a status already sent: the connection is destroyed, which
// a client sees as an incomplete response, as with a Lambda function URL.
import type { IncomingMessage, ServerResponse } from "node:http";
import { NimbusError } from "../core/errors.ts";
import type { StreamedResponse } from "../runtime/streamed-response.ts";
import type { InvocationOutcome } from "../runtime/types.ts";
import type { CorsPolicy } from "./cors.ts";
import { passThroughHeaders, sendError } from "./responses.ts";

const DISCARD = { write: () => {} };

/** Resolves with the call's final outcome once the response is written (or abandoned). */
export async function sendStream(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  cors: CorsPolicy | undefined,
  stream: StreamedResponse,
): Promise<InvocationOutcome> {
  try {
    res.writeHead(stream.status, passThroughHeaders(req, requestId, cors, stream.headers));
    res.flushHeaders(); // the status line and headers leave now, not with the first chunk
  } catch {
    sendError(
      req,
      res,
      requestId,
      cors,
      new NimbusError("FUNCTION_RESPONSE_INVALID", "The function answered a header that cannot be sent"),
    );
    return stream.pipe(DISCARD);
  }
  const outcome = await stream.pipe({
    write: (chunk) => {
      if (!res.destroyed) res.write(chunk);
    },
  });
  if (outcome.status === "success") res.end();
  else res.destroy();
  return outcome;
}
