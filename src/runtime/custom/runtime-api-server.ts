// The Lambda Runtime API (version 2018-06-01) of ONE custom-runtime instance: a small HTTP
// server on 127.0.0.1, at an ephemeral port, whose address the bootstrap finds in
// AWS_LAMBDA_RUNTIME_API. It is the custom runtime's counterpart of the Node shim: the
// Instance sends it the same messages it would send the shim over IPC (specialize, invoke)
// and hears back the same messages (specialized, result, invoke-error, init-error), so
// pools, timeouts, the memory watchdog, log capture and exit handling are the Node code
// paths, unchanged.
//
// One server per instance rather than one shared server with a path per instance: many
// runtime clients (awslambdaric, the Rust and .NET clients) read AWS_LAMBDA_RUNTIME_API as
// host:port and would drop a path, and a server per instance needs no lookup to know
// whose call a request is about. It costs one listening socket per custom instance.
//
// Status codes and error bodies ({errorMessage, errorType}) are those of the Runtime API's
// OpenAPI document and the runtime interface emulator: 202 {"status":"OK"} for accepted
// reports; 400 InvalidRequestID for an id this instance never handed out; 403
// InvalidStateTransition for a second answer to one call, or an init error after init;
// 413 RequestEntityTooLarge past the response limit; 404/405 for anything else.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FunctionIdentity, InstanceToServer, InvokeMessage, ServerToInstance } from "../protocol.ts";
import { ResponseInvalidError } from "../shim/shim-errors.ts";
import { type NextInvocation, nextInvocation } from "./invocation-event.ts";
import { errorOfReport, resultOfResponse } from "./runtime-response.ts";

/** Lambda's limit for a synchronous response. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
/** An error report larger than this is cut (it only goes to the logs). */
const MAX_ERROR_REPORT_BYTES = 256 * 1024;
/** Answered calls remembered, to tell "answered twice" (403) from "never handed out" (400). */
const ANSWERED_MEMORY = 64;

const PREFIX = "/2018-06-01/runtime/";
const INVOCATION = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;
const ACCEPTED = Buffer.from(JSON.stringify({ status: "OK" }));

/** What the server reports to: the Instance, as the IPC channel would. */
export interface RuntimeApiHost {
  receive(message: InstanceToServer): void;
  /** Peak resident memory of the runtime process, in KB, for the call's record. */
  peakRssKb(): number;
}

type Phase = "init" | "running";

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on("data", (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > limitBytes) {
        req.removeAllListeners("data");
        req.resume(); // drain the rest so the 413 can be answered
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function answer(res: ServerResponse, status: number, body: Uint8Array): void {
  res.writeHead(status, ["Content-Type", "application/json", "Content-Length", String(body.byteLength)]);
  res.end(body);
}

function answerError(res: ServerResponse, status: number, errorType: string, errorMessage: string): void {
  answer(res, status, Buffer.from(JSON.stringify({ errorMessage, errorType })));
}

export class RuntimeApiServer {
  /** host:port, the value of AWS_LAMBDA_RUNTIME_API. */
  readonly address: string;
  readonly #server: Server;
  readonly #startedMs = performance.now();
  #host: RuntimeApiHost | undefined;
  #identity: FunctionIdentity | undefined;
  #phase: Phase = "init";
  /** Messages the runtime caused before the instance was told to specialise; sent then. */
  #early: InstanceToServer | undefined;
  readonly #queued: NextInvocation[] = [];
  readonly #waiting: ServerResponse[] = [];
  /** Handed out by /next and not answered yet. */
  readonly #running = new Map<string, NextInvocation>();
  readonly #answered: string[] = [];
  #closed = false;

  private constructor(server: Server, address: string) {
    this.#server = server;
    this.address = address;
  }

  static async listen(): Promise<RuntimeApiServer> {
    let api: RuntimeApiServer | undefined;
    const server = createServer((req, res) => {
      (api as RuntimeApiServer).#route(req, res);
    });
    // A runtime holds one connection open between calls for as long as it lives.
    server.keepAliveTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    api = new RuntimeApiServer(server, `127.0.0.1:${port}`);
    return api;
  }

  attach(host: RuntimeApiHost): void {
    this.#host = host;
  }

  /** The IPC channel's `send`, for a process that speaks HTTP instead. */
  deliver(message: ServerToInstance): void {
    if (this.#closed) return;
    switch (message.type) {
      case "specialize":
        this.#identity = message.identity;
        if (this.#early !== undefined) this.#report(this.#early);
        this.#early = undefined;
        return;
      case "invoke":
        this.#enqueue(message);
        return;
      case "credentials":
        // A foreign process's environment cannot be changed once it runs; see ARCHITECTURE.md.
        return;
    }
  }

  /** Stops listening and drops waiting long polls; called once the instance has ended. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const res of this.#waiting.splice(0)) res.destroy();
    this.#server.close();
    this.#server.closeAllConnections();
  }

  #report(message: InstanceToServer): void {
    if (this.#identity === undefined) this.#early = message;
    else this.#host?.receive(message);
  }

  #enqueue(message: InvokeMessage): void {
    const invocation = nextInvocation(message, this.#identity as FunctionIdentity);
    const waiting = this.#waiting.shift();
    if (waiting === undefined) this.#queued.push(invocation);
    else this.#handOut(waiting, invocation);
  }

  #handOut(res: ServerResponse, invocation: NextInvocation): void {
    this.#running.set(invocation.requestId, invocation);
    res.writeHead(200, [...invocation.headers, "Content-Length", String(invocation.body.byteLength)]);
    res.end(invocation.body);
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0] as string;
    const method = req.method ?? "GET";
    if (path === `${PREFIX}invocation/next`) {
      if (method !== "GET") answerError(res, 405, "MethodNotAllowed", `Use GET for ${path}`);
      else this.#next(res);
      return;
    }
    if (path === `${PREFIX}init/error`) {
      if (method !== "POST") answerError(res, 405, "MethodNotAllowed", `Use POST for ${path}`);
      else void this.#initError(req, res);
      return;
    }
    const match = INVOCATION.exec(path);
    if (match !== null) {
      if (method !== "POST") answerError(res, 405, "MethodNotAllowed", `Use POST for ${path}`);
      else void this.#invocationReport(req, res, decodeURIComponent(match[1] as string), match[2] as string);
      return;
    }
    answerError(res, 404, "NotFound", `${method} ${path} is not part of the Lambda Runtime API 2018-06-01`);
  }

  #next(res: ServerResponse): void {
    if (this.#phase === "init") {
      // The first poll says the runtime has initialised: the instance is ready for calls.
      this.#phase = "running";
      this.#report({ type: "specialized", initDurationMs: performance.now() - this.#startedMs });
    }
    const queued = this.#queued.shift();
    if (queued !== undefined) {
      this.#handOut(res, queued);
      return;
    }
    this.#waiting.push(res);
    res.once("close", () => {
      const index = this.#waiting.indexOf(res);
      if (index !== -1) this.#waiting.splice(index, 1);
    });
  }

  async #initError(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_ERROR_REPORT_BYTES).catch(() => Buffer.alloc(0));
    if (this.#phase !== "init") {
      answerError(
        res,
        403,
        "InvalidStateTransition",
        "The runtime is initialised: init errors are no longer accepted",
      );
      return;
    }
    const error = errorOfReport(body, headerValue(req, "lambda-runtime-function-error-type"));
    answer(res, 202, ACCEPTED);
    this.#report({ type: "init-error", code: "FUNCTION_INIT_ERROR", error });
  }

  async #invocationReport(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    kind: string,
  ): Promise<void> {
    const invocation = this.#running.get(requestId);
    if (invocation === undefined) {
      req.resume();
      if (this.#answered.includes(requestId)) {
        answerError(res, 403, "InvalidStateTransition", `Invocation ${requestId} was already answered`);
      } else answerError(res, 400, "InvalidRequestID", `Invocation ${requestId} is not running here`);
      return;
    }
    const limit = kind === "response" ? MAX_RESPONSE_BYTES : MAX_ERROR_REPORT_BYTES;
    let body: Buffer;
    try {
      body = await readBody(req, limit);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) return; // the runtime went away mid-request
      if (kind !== "response") body = Buffer.alloc(0);
      else {
        answerError(
          res,
          413,
          "RequestEntityTooLarge",
          `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
        );
        this.#finish(requestId, {
          type: "invoke-error",
          requestId,
          code: "FUNCTION_RESPONSE_INVALID",
          error: {
            name: "Function.ResponseSizeTooLarge",
            message: `The response is over the limit of ${MAX_RESPONSE_BYTES} bytes`,
          },
          maxRssKb: this.#peakRssKb(),
        });
        return;
      }
    }
    if (!this.#running.has(requestId)) {
      answerError(res, 403, "InvalidStateTransition", `Invocation ${requestId} was already answered`);
      return;
    }
    answer(res, 202, ACCEPTED);
    this.#finish(requestId, this.#outcomeMessage(invocation, kind, body, req));
  }

  #outcomeMessage(
    invocation: NextInvocation,
    kind: string,
    body: Buffer,
    req: IncomingMessage,
  ): InstanceToServer {
    const { requestId } = invocation;
    const maxRssKb = this.#peakRssKb();
    if (kind === "error") {
      const error = errorOfReport(body, headerValue(req, "lambda-runtime-function-error-type"));
      return { type: "invoke-error", requestId, code: "FUNCTION_ERROR", error, maxRssKb };
    }
    try {
      return { type: "result", requestId, result: resultOfResponse(invocation.kind, body), maxRssKb };
    } catch (error) {
      if (!(error instanceof ResponseInvalidError)) throw error;
      const reported = { name: error.name, message: error.message };
      return {
        type: "invoke-error",
        requestId,
        code: "FUNCTION_RESPONSE_INVALID",
        error: reported,
        maxRssKb,
      };
    }
  }

  #finish(requestId: string, message: InstanceToServer): void {
    this.#running.delete(requestId);
    this.#answered.push(requestId);
    if (this.#answered.length > ANSWERED_MEMORY) this.#answered.shift();
    // Lines the runtime printed before it posted are already in its stdout pipe, but the
    // pipe's callback may come after this socket's in the same event-loop turn: settling on
    // the next turn lets them be attributed to this call rather than to none.
    setImmediate(reportLater, this, message);
  }

  /** For reportLater (no closure per call). */
  reportNow(message: InstanceToServer): void {
    if (!this.#closed) this.#report(message);
  }

  #peakRssKb(): number {
    return this.#host?.peakRssKb() ?? 0;
  }
}

function reportLater(api: RuntimeApiServer, message: InstanceToServer): void {
  api.reportNow(message);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}
