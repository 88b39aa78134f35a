// nimbus buckets ls|cp|rm|presign: an app's buckets through the HTTP API. Objects are named
// nimbus://<bucket>/<key>; cp streams files both ways (a download is written to a temp file
// and renamed, so an interrupted one leaves no half file under the target name).
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isErrorCode, NimbusError } from "../../core/errors.ts";
import { AdminClient } from "../admin-client.ts";
import { keyForServer } from "../credentials.ts";
import { CliError, printJson } from "../output.ts";
import { resolveApp } from "../resolve-app.ts";
import type { RemoteOptions } from "./remote.ts";

const SCHEME = "nimbus://";

interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
}

interface ObjectView {
  key: string;
  sizeBytes: number;
  lastModified: string;
  contentType: string;
}

export function parseObjectRef(text: string): ObjectRef | undefined {
  if (!text.startsWith(SCHEME)) return undefined;
  const rest = text.slice(SCHEME.length);
  const slash = rest.indexOf("/");
  return slash < 0 ? { bucket: rest, key: "" } : { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}

function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

async function target(options: RemoteOptions): Promise<{ client: AdminClient; app: string }> {
  const client = new AdminClient(options);
  return { client, app: await resolveApp(client, options.app) };
}

function objectsPath(app: string, bucket: string): string {
  return `/apps/${encodeURIComponent(app)}/buckets/${encodeURIComponent(bucket)}/objects`;
}

/** A streaming call (AdminClient buffers bodies); credentials resolved as AdminClient does. */
async function streamCall(
  client: AdminClient,
  options: RemoteOptions,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: Readable } = {},
): Promise<Response> {
  const key = options.adminKey ?? process.env.NIMBUS_ADMIN_KEY ?? keyForServer(client.url);
  const headers: Record<string, string> = { ...init.headers };
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`${client.url}/_nimbus${path}`, {
    method,
    headers,
    ...(init.body ? { body: Readable.toWeb(init.body) as ReadableStream, duplex: "half" } : {}),
  } as RequestInit);
  if (response.ok) return response;
  const text = await response.text();
  const error = (JSON.parse(text || "{}") as { error?: { code: string; message: string; details?: unknown } })
    .error;
  if (error && isErrorCode(error.code))
    throw new NimbusError(error.code, error.message, { details: error.details });
  throw new CliError("HTTP_ERROR", `The server answered ${response.status}: ${text.slice(0, 200)}`);
}

export async function listBuckets(
  where: string | undefined,
  options: RemoteOptions & { recursive?: boolean },
) {
  const { client, app } = await target(options);
  if (where === undefined) {
    const { buckets } = await client.request<{ buckets: { name: string; access: string }[] }>(
      "GET",
      `/apps/${encodeURIComponent(app)}/buckets`,
    );
    if (options.json) return printJson(buckets);
    if (buckets.length === 0) console.log(`App ${app} declares no buckets.`);
    for (const bucket of buckets) console.log(`${bucket.name}  ${bucket.access}`);
    return;
  }
  const ref = parseObjectRef(where.startsWith(SCHEME) ? where : `${SCHEME}${where}`) as ObjectRef;
  const objects: ObjectView[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const query = new URLSearchParams({ prefix: ref.key });
    if (!options.recursive) query.set("delimiter", "/");
    if (token) query.set("continuationToken", token);
    const page = await client.request<{
      objects: ObjectView[];
      commonPrefixes: string[];
      continuationToken?: string;
    }>("GET", `${objectsPath(app, ref.bucket)}?${query}`);
    objects.push(...page.objects);
    prefixes.push(...page.commonPrefixes);
    token = page.continuationToken;
  } while (token);
  if (options.json) return printJson({ objects, commonPrefixes: prefixes });
  for (const prefix of prefixes) console.log(`${"PRE".padStart(12)}  ${"".padEnd(24)}  ${prefix}`);
  for (const object of objects) {
    console.log(`${String(object.sizeBytes).padStart(12)}  ${object.lastModified.padEnd(24)}  ${object.key}`);
  }
}

export async function copyObject(
  from: string,
  to: string,
  options: RemoteOptions & { contentType?: string },
) {
  const { client, app } = await target(options);
  const source = parseObjectRef(from);
  const destination = parseObjectRef(to);
  if (source && destination) {
    const response = await streamCall(
      client,
      options,
      "PUT",
      `${objectsPath(app, destination.bucket)}/${encodeKey(destination.key)}`,
      {
        headers: { "x-nimbus-copy-source": `${source.bucket}/${encodeKey(source.key)}` },
      },
    );
    const copied = (await response.json()) as ObjectView;
    return options.json
      ? printJson(copied)
      : console.log(`Copied ${from} to ${to} (${copied.sizeBytes} bytes).`);
  }
  if (destination) {
    const sizeBytes = (await stat(from)).size;
    const response = await streamCall(
      client,
      options,
      "PUT",
      `${objectsPath(app, destination.bucket)}/${encodeKey(destination.key)}`,
      {
        headers: {
          "content-type": options.contentType ?? "application/octet-stream",
          "content-length": String(sizeBytes),
        },
        body: createReadStream(from),
      },
    );
    const stored = (await response.json()) as ObjectView & { etag: string };
    return options.json
      ? printJson(stored)
      : console.log(`Uploaded ${from} to ${to} (${stored.sizeBytes} bytes, ETag ${stored.etag}).`);
  }
  if (source) {
    const response = await streamCall(
      client,
      options,
      "GET",
      `${objectsPath(app, source.bucket)}/${encodeKey(source.key)}`,
    );
    const temp = `${to}.nimbus-download`;
    try {
      await pipeline(
        Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
        createWriteStream(temp),
      );
      await rename(temp, to);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return options.json ? printJson({ path: to }) : console.log(`Downloaded ${from} to ${to}.`);
  }
  throw new CliError("BAD_ARGUMENTS", "One side of 'nimbus buckets cp' must be nimbus://<bucket>/<key>.");
}

export async function removeObject(where: string, options: RemoteOptions) {
  const { client, app } = await target(options);
  const ref = parseObjectRef(where);
  if (!ref?.key) throw new CliError("BAD_ARGUMENTS", "Name the object as nimbus://<bucket>/<key>.");
  await client.request("DELETE", `${objectsPath(app, ref.bucket)}/${encodeKey(ref.key)}`);
  if (!options.json) console.log(`Deleted ${where}.`);
}

export async function presignObject(
  where: string,
  options: RemoteOptions & { put?: boolean; expires?: number },
) {
  const { client, app } = await target(options);
  const ref = parseObjectRef(where);
  if (!ref?.key) throw new CliError("BAD_ARGUMENTS", "Name the object as nimbus://<bucket>/<key>.");
  const method = options.put ? "put" : "get";
  const signed = await client.request<{ url: string; expiresAt: string }>(
    "POST",
    `/apps/${encodeURIComponent(app)}/buckets/${encodeURIComponent(ref.bucket)}/presign/${method}/${encodeKey(ref.key)}`,
    options.expires === undefined ? {} : { expiresInSeconds: options.expires },
  );
  if (options.json) return printJson(signed);
  console.log(signed.url);
}
