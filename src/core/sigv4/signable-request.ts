// What SigV4 signs, read from a Node request exactly as it arrived: the raw path and query
// (no normalising, which would change the signature) and every header as sent.
import type { IncomingMessage } from "node:http";
import type { SignableRequest } from "./canonical.ts";

export function signableRequest(req: IncomingMessage): SignableRequest {
  const url = req.url ?? "/";
  const queryStart = url.indexOf("?");
  const raw = req.rawHeaders;
  const headers: Array<readonly [string, string]> = [];
  for (let index = 0; index < raw.length; index += 2)
    headers.push([raw[index] as string, raw[index + 1] as string]);
  return {
    method: req.method ?? "GET",
    path: queryStart === -1 ? url : url.slice(0, queryStart),
    query: queryStart === -1 ? "" : url.slice(queryStart + 1),
    headers,
  };
}
