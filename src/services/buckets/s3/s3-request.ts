// One S3 request as the operations see it: the app (from the endpoint), the bucket and key
// (path-style addressing), the query, the verified caller, and the resources the one
// authorization point checks (nrn:<app>:bucket/<name>[/<key>]).
import type { IncomingMessage, ServerResponse } from "node:http";
import { appResource } from "../../../core/policy/index.ts";
import type { S3Caller } from "./s3-auth.ts";
import { S3Error } from "./s3-errors.ts";

export const S3_API_PREFIX = "/_nimbus/s3/";
const APP = /^[a-z][a-z0-9-]{0,62}$/;

export interface S3Request {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly method: string;
  /** The request's path, for error answers. */
  readonly path: string;
  readonly app: string;
  readonly bucket: string | undefined;
  readonly key: string | undefined;
  readonly query: URLSearchParams;
  readonly caller: S3Caller;
}

export interface S3Target {
  readonly path: string;
  readonly app: string;
  readonly bucket: string | undefined;
  readonly key: string | undefined;
  readonly query: URLSearchParams;
}

/** /_nimbus/s3/<app>[/<bucket>[/<key…>]] with the key percent-decoded. */
export function parseS3Target(url: string): S3Target {
  const queryStart = url.indexOf("?");
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? "" : url.slice(queryStart + 1));
  const rest = path.slice(S3_API_PREFIX.length);
  const firstSlash = rest.indexOf("/");
  const app = firstSlash === -1 ? rest : rest.slice(0, firstSlash);
  if (!APP.test(app))
    throw new S3Error(
      400,
      "InvalidURI",
      `The endpoint is ${S3_API_PREFIX}<app>: "${app}" is not an app name`,
    );
  const afterApp = firstSlash === -1 ? "" : rest.slice(firstSlash + 1);
  const bucketEnd = afterApp.indexOf("/");
  const rawBucket = bucketEnd === -1 ? afterApp : afterApp.slice(0, bucketEnd);
  const rawKey = bucketEnd === -1 ? "" : afterApp.slice(bucketEnd + 1);
  let bucket: string;
  let key: string;
  try {
    bucket = decodeURIComponent(rawBucket);
    key = decodeURIComponent(rawKey);
  } catch {
    throw new S3Error(400, "InvalidURI", "Couldn't parse the specified URI.");
  }
  return {
    path,
    app,
    bucket: bucket === "" ? undefined : bucket,
    key: key === "" ? undefined : key,
    query,
  };
}

export function header(request: S3Request, name: string): string | undefined {
  const value = request.req.headers[name];
  return typeof value === "string" ? value : undefined;
}

/** The bucket of a request that names one (operations are chosen so that it does). */
export function bucketOf(request: S3Request): string {
  return request.bucket as string;
}

export function keyOf(request: S3Request): string {
  return request.key as string;
}

export const allBucketsResource = (request: S3Request) => appResource(request.app, "bucket/*");
export const bucketResource = (request: S3Request) => appResource(request.app, `bucket/${bucketOf(request)}`);
export const objectResource = (request: S3Request, bucket = bucketOf(request), key = keyOf(request)) =>
  appResource(request.app, `bucket/${bucket}/${key}`);

/** A whole number query parameter within bounds, InvalidArgument otherwise. */
export function integerParameter(
  request: S3Request,
  name: string,
  bounds: { min: number; max: number },
): number | undefined {
  const raw = request.query.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < bounds.min || value > bounds.max)
    throw new S3Error(
      400,
      "InvalidArgument",
      `${name} must be a whole number from ${bounds.min} to ${bounds.max}`,
    );
  return value;
}
