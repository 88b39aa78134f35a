// Calling another function of the same app directly, with this function's rights: its
// permissions must allow functions:Invoke on "function/<name>".
import { currentApp, encodePath, platformRequest } from "./platform-client.ts";

export interface InvokeResult {
  readonly requestId: string;
  readonly status: "success" | "error";
  readonly errorCode: string | undefined;
  /** The HTTP status of a fetch-style answer; 200 for a Lambda-style result. */
  readonly statusCode: number | undefined;
  /** The answer as text (the JSON result of a Lambda-style handler). */
  readonly body: string;
}

export interface AsyncInvokeAccepted {
  readonly invocationId: string;
  /** True when the idempotency key was seen within 24 h: nothing new was queued. */
  readonly duplicate: boolean;
  readonly status: string;
}

export const functions = {
  /**
   * Queues a call (the Event invocation type): resolves once it is stored durably; failures are
   * retried per the function's `async:` settings. Needs functions:Invoke on "function/<name>".
   * `qualifier`: an alias ("live") or version number ("7") each attempt calls; default $LATEST.
   */
  async invokeAsync(
    name: string,
    payload?: unknown,
    options: { idempotencyKey?: string; qualifier?: string } = {},
  ): Promise<AsyncInvokeAccepted> {
    const params = new URLSearchParams();
    if (options.idempotencyKey) params.set("idempotencyKey", options.idempotencyKey);
    if (options.qualifier) params.set("qualifier", options.qualifier);
    const query = params.size > 0 ? `?${params}` : "";
    return platformRequest<AsyncInvokeAccepted>(
      "POST",
      `/apps/${encodeURIComponent(currentApp())}/functions/${encodePath(name)}/invoke-async${query}`,
      payload ?? null,
    );
  },

  async invoke(name: string, payload?: unknown): Promise<InvokeResult> {
    return platformRequest<InvokeResult>(
      "POST",
      `/apps/${encodeURIComponent(currentApp())}/functions/${encodePath(name)}/invoke`,
      payload ?? null,
    );
  },
};
