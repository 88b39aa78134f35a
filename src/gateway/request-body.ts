// Reads a request body as raw bytes (Buffer chunks, never strings) under a size limit.
// The limit is checked twice: up front from Content-Length, so an honest oversized upload
// is refused before a byte is read, and while streaming, for chunked bodies and liars.
import type { IncomingMessage } from "node:http";

export const BODY_TOO_LARGE: unique symbol = Symbol("body-too-large");

/** The client went away before the body was complete; there is nobody left to answer. */
export class ClientAbortedError extends Error {
  override readonly name = "ClientAbortedError";
}

/** True when the request says it carries a body (Content-Length > 0 or Transfer-Encoding). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  if (length !== undefined) return length !== "0";
  return req.headers["transfer-encoding"] !== undefined;
}

/** Content-Length over the limit, known before reading. */
export function declaresTooLarge(req: IncomingMessage, maxBytes: number): boolean {
  const length = req.headers["content-length"];
  return length !== undefined && Number(length) > maxBytes;
}

/**
 * Resolves with the body (null when empty) or BODY_TOO_LARGE as soon as the count passes the
 * limit; the stream is then paused and left unread, and the caller answers 413 and closes
 * the connection. Rejects with ClientAbortedError when the client disconnects first.
 */
export function readBody(
  req: IncomingMessage,
  maxBytes: number,
): Promise<Buffer | null | typeof BODY_TOO_LARGE> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAbort);
      req.off("close", onAbort);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        cleanup();
        req.pause();
        resolve(BODY_TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(
        total === 0 ? null : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total),
      );
    };
    const onAbort = () => {
      cleanup();
      reject(new ClientAbortedError("The client closed the connection before sending the whole body"));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onAbort);
    req.on("close", onAbort);
  });
}
