// A node's lifecycle as the outside sees it over HTTP: the health endpoints, the count of
// requests in flight, and the graceful drain on stop.
//
//   GET /healthz  200 while the process answers (liveness: restart it when this fails)
//   GET /readyz   200 when started, not draining and the store answers a trivial query within
//                 READY_STORE_TIMEOUT_MS; 503 with a JSON reason otherwise (readiness: send
//                 it no traffic when this fails)
//
// Drain: stop listening (new connections are refused), answer new requests on open
// keep-alive connections 503 PLATFORM_UNAVAILABLE with `connection: close`, let requests
// in flight finish up to a deadline, then close every connection.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { NimbusError } from "../core/errors.ts";
import { newRequestId } from "../core/ids.ts";
import { HEALTH_PATH, READY_PATH } from "../core/reserved-paths.ts";

/** A readiness probe must answer fast; a store slower than this counts as unreachable. */
export const READY_STORE_TIMEOUT_MS = 2_000;

export type NodeState = "starting" | "ready" | "draining" | "stopped";

export interface NodeLifecycleOptions {
  readonly nodeId: string;
  /** A trivial store query; rejects when the store is unreachable. */
  readonly pingStore: () => Promise<unknown>;
}

export interface DrainResult {
  /** Requests still in flight when the deadline passed (their connections were closed). */
  readonly abandoned: number;
}

function pathOf(url: string | undefined): string {
  const path = url ?? "/";
  const query = path.indexOf("?");
  return query === -1 ? path : path.slice(0, query);
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

export class NodeLifecycle {
  readonly #options: NodeLifecycleOptions;
  #state: NodeState = "starting";
  readonly #inFlight = new Set<ServerResponse>();
  #onIdle: (() => void) | undefined;

  constructor(options: NodeLifecycleOptions) {
    this.#options = options;
  }

  get state(): NodeState {
    return this.#state;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  markReady(): void {
    if (this.#state === "starting") this.#state = "ready";
  }

  /**
   * Called first for every request. Answers the health endpoints and refuses work while
   * draining (returns true: handled); otherwise counts the request in flight until its
   * response closes (returns false: the caller serves it).
   */
  intercept(req: IncomingMessage, res: ServerResponse): boolean {
    const path = pathOf(req.url);
    if (path === HEALTH_PATH || path === READY_PATH) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        const error = new NimbusError("METHOD_NOT_ALLOWED", `${path} answers GET and HEAD only`);
        sendJson(res, error.status, error.toBody(), { allow: "GET, HEAD" });
      } else if (path === HEALTH_PATH) {
        sendJson(res, 200, { status: "ok", node: this.#options.nodeId });
      } else {
        void this.#answerReady(res);
      }
      return true;
    }
    if (this.#state === "draining" || this.#state === "stopped") {
      const error = new NimbusError(
        "PLATFORM_UNAVAILABLE",
        "This node is shutting down; retry on another node",
      );
      const requestId = newRequestId();
      sendJson(res, error.status, error.toBody(requestId), {
        connection: "close",
        "x-request-id": requestId,
      });
      return true;
    }
    this.#inFlight.add(res);
    res.once("close", () => {
      this.#inFlight.delete(res);
      if (this.#inFlight.size === 0) this.#onIdle?.();
    });
    return false;
  }

  async #answerReady(res: ServerResponse): Promise<void> {
    const reason = await this.#notReadyReason();
    const node = this.#options.nodeId;
    if (reason === undefined) sendJson(res, 200, { status: "ready", node });
    else sendJson(res, 503, { status: "not-ready", reason, node });
  }

  async #notReadyReason(): Promise<string | undefined> {
    if (this.#state !== "ready") return this.#state;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, fail) => {
      timer = setTimeout(
        () => fail(new Error(`no answer within ${READY_STORE_TIMEOUT_MS} ms`)),
        READY_STORE_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([this.#options.pingStore(), timeout]);
    } catch (error) {
      return `store unreachable: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      clearTimeout(timer);
    }
    // A drain may have begun while the store answered.
    return this.#state === "ready" ? undefined : this.#state;
  }

  /**
   * Stops taking work on `server` and waits up to `timeoutMs` for requests in flight, then
   * closes every connection. Resolves once the server is closed.
   */
  async drain(server: Server, timeoutMs: number): Promise<DrainResult> {
    this.#state = "draining";
    const closed = new Promise<void>((done) => server.close(() => done()));
    server.closeIdleConnections();
    // Answers not begun yet close their connection afterwards, so clients reconnect elsewhere.
    for (const res of this.#inFlight) if (!res.headersSent) res.setHeader("connection", "close");
    if (this.#inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((done) => {
        this.#onIdle = done;
        timer = setTimeout(done, timeoutMs);
      });
      clearTimeout(timer);
      this.#onIdle = undefined;
    }
    const abandoned = this.#inFlight.size;
    server.closeAllConnections();
    await closed;
    this.#state = "stopped";
    return { abandoned };
  }
}
