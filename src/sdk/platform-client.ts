// How function code calls the platform's HTTP API: with the instance's own token
// (NIMBUS_TOKEN, rotated by the platform while the instance runs, so it is read at every
// call) against NIMBUS_PLATFORM_URL. Any language can do the same with an HTTP client.

/** An error answer of the platform, with its stable code ("ACCESS_DENIED", "SECRET_NOT_FOUND", …). */
export class NimbusApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly hint: string | undefined;
  readonly requestId: string | undefined;

  constructor(code: string, status: number, message: string, hint?: string, requestId?: string) {
    super(message);
    this.name = "NimbusApiError";
    this.code = code;
    this.status = status;
    this.hint = hint;
    this.requestId = requestId;
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; hint?: string; requestId?: string };
}

function required(name: string): string {
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

/** The app this function belongs to. */
export function currentApp(): string {
  return required("NIMBUS_APP");
}

/** Calls /_nimbus<path> with the instance's token; resolves to the parsed JSON answer. */
export async function platformRequest<T>(method: string, path: string, body?: unknown): Promise<T> {
  const url = `${required("NIMBUS_PLATFORM_URL").replace(/\/+$/, "")}/_nimbus${path}`;
  const headers: Record<string, string> = { authorization: `Bearer ${required("NIMBUS_TOKEN")}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    let error: ErrorBody["error"];
    try {
      error = (JSON.parse(text) as ErrorBody).error;
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
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

/** A path segment per name part, so "db/password" stays a path. */
export function encodePath(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}
