// Static websites: a bucket with `website:` is served read-only, without credentials, at
// `<route>/<key>` of its app. A plain node handler, dispatched by the platform before the
// gateway, because it takes paths that would otherwise reach the app's function routes (the
// manifest refuses a website route that could hide one). The bytes are streamed with the
// same ranges and conditions as the object APIs, never buffered.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { NimbusError, toNimbusError } from "../../core/errors.ts";
import type { BucketWebsiteConfig } from "../../core/manifest/bucket-website.ts";
import type { BucketObjectRecord } from "../../store/bucket-object-ports.ts";
import type { BucketService } from "./bucket-service.ts";
import { evaluateConditions, parseByteRange } from "./http-conditions.ts";
import { conditionsFromHeaders, objectHeaders } from "./object-headers.ts";
import { validateObjectKey } from "./object-key.ts";

export interface WebsiteHandlerOptions {
  readonly buckets: BucketService;
  /** The app a request is for, chosen as the gateway chooses it (by host when several are live). */
  readonly appFor: (req: IncomingMessage) => string | undefined;
  readonly onError: (error: unknown) => void;
}

/** Answers the request and returns true when its path is under one of the app's website routes. */
export type WebsiteHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

interface Site {
  readonly app: string;
  readonly bucket: string;
  readonly website: BucketWebsiteConfig;
}

function siteFor(buckets: BucketService, app: string, path: string): Site | undefined {
  let configs: ReturnType<BucketService["list"]>;
  try {
    configs = buckets.list(app);
  } catch {
    return undefined; // the app was removed since it was chosen: the gateway answers
  }
  for (const config of configs) {
    const route = config.website?.route;
    if (route === undefined) continue;
    if (route === "/" || path === route || path.startsWith(`${route}/`))
      return { app, bucket: config.name, website: config.website as BucketWebsiteConfig };
  }
  return undefined;
}

/** The object key a path under the route names: folders ("", "dir/") get the index document. */
function keyFor(site: Site, path: string): string {
  const rest = site.website.route === "/" ? path.slice(1) : path.slice(site.website.route.length + 1);
  let key: string;
  try {
    key = decodeURIComponent(rest);
  } catch {
    throw new NimbusError("OBJECT_KEY_INVALID", `Invalid object key in the path "${path.slice(0, 100)}"`);
  }
  return validateObjectKey(key === "" || key.endsWith("/") ? `${key}${site.website.indexDocument}` : key);
}

async function findObject(buckets: BucketService, site: Site, key: string) {
  try {
    return await buckets.headObject(site.app, site.bucket, key);
  } catch (error) {
    if (error instanceof NimbusError && error.code === "OBJECT_NOT_FOUND") return undefined;
    throw error;
  }
}

async function streamObject(
  req: IncomingMessage,
  res: ServerResponse,
  buckets: BucketService,
  record: BucketObjectRecord,
  status: 200 | 404,
): Promise<void> {
  // The error document is the answer to another URL: no conditions or ranges apply to it.
  const conditional = status === 200;
  if (conditional && evaluateConditions(conditionsFromHeaders(req.headers), record) === "not-modified") {
    res.writeHead(304, { etag: record.etag, "last-modified": new Date(record.lastModifiedMs).toUTCString() });
    res.end();
    return;
  }
  let range: ReturnType<typeof parseByteRange>;
  try {
    range = conditional ? parseByteRange(req.headers.range, record.sizeBytes) : undefined;
  } catch (error) {
    res.setHeader("content-range", `bytes */${record.sizeBytes}`);
    throw error;
  }
  if (req.method === "HEAD") {
    res.writeHead(status, { ...objectHeaders(record), "content-length": record.sizeBytes });
    res.end();
    return;
  }
  const opened = await buckets.openObject(record, range);
  const headers: OutgoingHttpHeaders = objectHeaders(opened.record);
  if (range) {
    headers["content-range"] = `bytes ${range.start}-${range.endInclusive}/${opened.record.sizeBytes}`;
    headers["content-length"] = range.endInclusive - range.start + 1;
  } else {
    headers["content-length"] = opened.record.sizeBytes;
  }
  res.writeHead(range ? 206 : status, headers);
  await pipeline(opened.stream, res);
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  buckets: BucketService,
  site: Site,
  path: string,
  query: string,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    throw new NimbusError("METHOD_NOT_ALLOWED", `A static website answers GET and HEAD, not ${req.method}`, {
      headers: { allow: "GET, HEAD" },
    });
  }
  // "<route>" alone: redirected to "<route>/", so that relative links in the index resolve.
  if (path === site.website.route && path !== "/") return redirect(res, `${path}/${query}`);
  const key = keyFor(site, path);
  const found = await findObject(buckets, site, key);
  if (found) return streamObject(req, res, buckets, found, 200);
  // "<route>/docs" names a folder when "docs/index.html" exists: redirected as to "<route>/docs/".
  if (!path.endsWith("/") && (await findObject(buckets, site, `${key}/${site.website.indexDocument}`)))
    return redirect(res, `${path}/${query}`);
  const errorDocument =
    site.website.errorDocument === undefined
      ? undefined
      : await findObject(buckets, site, site.website.errorDocument);
  if (errorDocument) return streamObject(req, res, buckets, errorDocument, 404);
  throw new NimbusError("OBJECT_NOT_FOUND", `Nothing is published at ${path}`);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(301, { location, "content-length": 0 });
  res.end();
}

function sendError(res: ServerResponse, thrown: unknown, onError: (error: unknown) => void): void {
  const error = toNimbusError(thrown);
  if (!error.expose) onError(thrown);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(error.toBody());
  res.writeHead(error.status, {
    ...error.headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

export function createWebsiteHandler(options: WebsiteHandlerOptions): WebsiteHandler {
  return (req, res) => {
    const app = options.appFor(req);
    if (app === undefined) return false;
    const url = req.url ?? "/";
    const queryStart = url.indexOf("?");
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    const site = siteFor(options.buckets, app, path);
    if (!site) return false;
    serve(req, res, options.buckets, site, path, queryStart === -1 ? "" : url.slice(queryStart)).catch(
      (error: unknown) => sendError(res, error, options.onError),
    );
    return true;
  };
}
