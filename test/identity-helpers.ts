// Helpers for the identity tests: access keys, bearer calls, filling an operation's path.
import type { TestPlatform } from "../src/testing/index.ts";

export interface CreatedAccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** "Bearer <id>:<secret>". */
  readonly authorization: string;
}

export async function createAccessKey(
  nimbus: TestPlatform,
  name: string,
  statements: readonly Record<string, unknown>[],
): Promise<CreatedAccessKey> {
  const response = await nimbus.admin("/iam/access-keys", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, policy: { statements } }),
  });
  if (response.status !== 201)
    throw new Error(`creating an access key: ${response.status} ${await response.text()}`);
  const key = (await response.json()) as { accessKeyId: string; secretAccessKey: string };
  return { ...key, authorization: `Bearer ${key.accessKeyId}:${key.secretAccessKey}` };
}

/** Calls the platform's HTTP API (/_nimbus…) with the given Authorization header (or none). */
export function call(
  nimbus: TestPlatform,
  method: string,
  path: string,
  authorization: string | undefined,
  body?: unknown,
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (authorization) headers.authorization = authorization;
  if (body !== undefined) headers["content-type"] = "application/json";
  return fetch(`${nimbus.url}/_nimbus${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** A route pattern ("/_nimbus/apps/:app/functions/:fn/invoke") with its parameters filled. */
export function fillPath(url: string, values: Readonly<Record<string, string>>): string {
  return url
    .replace(/^\/_nimbus/, "")
    .replace(/:([A-Za-z]+)/g, (_whole, name: string) => values[name] ?? "x")
    .replace(/\*$/, values["*"] ?? "x");
}

export async function errorCode(response: Response): Promise<string | undefined> {
  const body = (await response.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
  return body?.error?.code;
}
