// The app's buckets from function code, with this function's rights: its permissions must
// allow buckets:* actions on "bucket/<name>/<key>" (PutObject, GetObject, DeleteObject) and
// "bucket/<name>" (ListObjects). Bodies are streamed both ways, never buffered here.
import { currentApp, encodePath, NimbusApiError } from "./platform-client.ts";

export interface ObjectInfo {
  readonly key: string;
  readonly sizeBytes: number;
  readonly etag: string;
  readonly contentType: string;
  /** ISO 8601. */
  readonly lastModified: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface StoredObject {
  readonly etag: string;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** The bytes as a stream (read it once, with text(), bytes() or directly). */
  readonly body: ReadableStream<Uint8Array>;
  text(): Promise<string>;
  bytes(): Promise<Uint8Array>;
}

export interface PutObjectInput {
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface ListObjectsInput {
  readonly prefix?: string;
  readonly delimiter?: string;
  readonly maxKeys?: number;
  readonly continuationToken?: string;
}

export interface ObjectList {
  readonly objects: readonly ObjectInfo[];
  readonly commonPrefixes: readonly string[];
  /** Set when there are more keys: pass it back for the next page. */
  readonly continuationToken?: string;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new NimbusApiError(
      "CREDENTIALS_INVALID",
      401,
      `${name} is not set: the Nimbus SDK works inside a function deployed on Nimbus`,
    );
  }
  return value;
}

function objectsUrl(bucket: string, rest: string): string {
  const base = env("NIMBUS_PLATFORM_URL").replace(/\/+$/, "");
  return `${base}/_nimbus/apps/${encodeURIComponent(currentApp())}/buckets/${encodeURIComponent(bucket)}/objects${rest}`;
}

async function call(
  url: string,
  init: RequestInit & { headers?: Record<string, string> },
): Promise<Response> {
  const response = await fetch(url, {
    ...init,
    headers: { ...init.headers, authorization: `Bearer ${env("NIMBUS_TOKEN")}` },
  } as RequestInit);
  if (response.ok || response.status === 304) return response;
  const text = await response.text();
  let error: { code?: string; message?: string; hint?: string; requestId?: string } | undefined;
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error;
  } catch {
    error = undefined;
  }
  throw new NimbusApiError(
    error?.code ?? "HTTP_ERROR",
    response.status,
    error?.message ?? `The platform answered ${response.status}`,
    error?.hint,
    error?.requestId,
  );
}

function metadataOf(headers: Headers): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of headers)
    if (name.startsWith("x-nimbus-meta-")) metadata[name.slice(14)] = value;
  return metadata;
}

export const buckets = {
  /** Resolves once the object is durably stored. A stream body is sent as it is read. */
  async put(
    bucket: string,
    key: string,
    body: string | Uint8Array | Blob | ReadableStream<Uint8Array>,
    input: PutObjectInput = {},
  ): Promise<ObjectInfo> {
    const headers: Record<string, string> = {
      "content-type": input.contentType ?? "application/octet-stream",
    };
    for (const [name, value] of Object.entries(input.metadata ?? {}))
      headers[`x-nimbus-meta-${name}`] = value;
    const response = await call(objectsUrl(bucket, `/${encodePath(key)}`), {
      method: "PUT",
      headers,
      body: body as BodyInit,
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    });
    return (await response.json()) as ObjectInfo;
  },

  /** The object (OBJECT_NOT_FOUND when absent); `range` reads bytes [start, end] only. */
  async get(
    bucket: string,
    key: string,
    options: { range?: { start: number; end?: number } } = {},
  ): Promise<StoredObject> {
    const headers: Record<string, string> = {};
    if (options.range) headers.range = `bytes=${options.range.start}-${options.range.end ?? ""}`;
    const response = await call(objectsUrl(bucket, `/${encodePath(key)}`), { method: "GET", headers });
    const body =
      response.body ?? new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
    return {
      etag: response.headers.get("etag") ?? "",
      contentType: response.headers.get("content-type") ?? "application/octet-stream",
      sizeBytes: Number(response.headers.get("content-length") ?? 0),
      metadata: metadataOf(response.headers),
      body,
      text: () => new Response(body).text(),
      bytes: async () => new Uint8Array(await new Response(body).arrayBuffer()),
    };
  },

  async list(bucket: string, input: ListObjectsInput = {}): Promise<ObjectList> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(input))
      if (value !== undefined) query.set(name, String(value));
    const response = await call(objectsUrl(bucket, `?${query}`), { method: "GET" });
    return (await response.json()) as ObjectList;
  },

  /** Deleting a key that does not exist is not an error. */
  async delete(bucket: string, key: string): Promise<void> {
    await call(objectsUrl(bucket, `/${encodePath(key)}`), { method: "DELETE" });
  },

  async copy(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
  ): Promise<ObjectInfo> {
    const response = await call(objectsUrl(target.bucket, `/${encodePath(target.key)}`), {
      method: "PUT",
      headers: { "x-nimbus-copy-source": `${source.bucket}/${encodePath(source.key)}` },
    });
    return (await response.json()) as ObjectInfo;
  },
};
