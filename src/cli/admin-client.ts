// The CLI's client for the admin API.

import { DEFAULT_PORT } from "../core/defaults.ts";
import { isErrorCode, NimbusError } from "../core/errors.ts";
import { keyForServer } from "./credentials.ts";
import { CliError } from "./output.ts";

export interface ClientOptions {
  url?: string;
  adminKey?: string;
}

export class AdminClient {
  readonly url: string;
  readonly #key: string | undefined;

  constructor(options: ClientOptions) {
    this.url = (options.url ?? process.env.NIMBUS_URL ?? `http://127.0.0.1:${DEFAULT_PORT}`).replace(
      /\/+$/,
      "",
    );
    this.#key = options.adminKey ?? process.env.NIMBUS_ADMIN_KEY ?? keyForServer(this.url);
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    raw?: Uint8Array,
    rawContentType = "application/octet-stream",
  ): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.#key) headers.authorization = `Bearer ${this.#key}`;
    let payload: BodyInit | undefined;
    if (raw) {
      headers["content-type"] = rawContentType;
      payload = new Blob([Buffer.from(raw)]);
    } else if (body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetch(`${this.url}/_nimbus${path}`, { method, headers, body: payload });
    } catch (error) {
      throw new CliError(
        "SERVER_UNREACHABLE",
        `Could not reach the Nimbus server at ${this.url} (${(error as Error).cause ?? error})`,
        "Start it with 'nimbus dev' or 'nimbus up', or pass --url / NIMBUS_URL.",
      );
    }
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const error = (
        parsed as { error?: { code: string; message: string; hint?: string; details?: unknown } }
      )?.error;
      if (error && isErrorCode(error.code)) {
        throw new NimbusError(error.code, error.message, { details: error.details });
      }
      throw new CliError("HTTP_ERROR", `The server answered ${response.status}: ${text.slice(0, 200)}`);
    }
    return parsed as T;
  }
}
