// One instance process: a Node process running the shim, first as a generic stem cell,
// then specialised for one function version for the rest of its life. This class owns
// the process and everything that can only be judged from it: the calls in flight on it,
// their timeout timers, its output, and why it ended. Pools decide which instance gets a
// call; they hear back through InstanceListener.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { NimbusError } from "../core/errors.ts";
import { peakResidentKb } from "./custom/peak-memory.ts";
import type { RuntimeApiServer } from "./custom/runtime-api-server.ts";
import { type ExitFacts, failureOfCallInFlight, failureOfInit, type KillReason } from "./exit-reason.ts";
import { readInstanceMessage } from "./instance-messages.ts";
import { LineSplitter, type LogStream, type ParsedLine, readLine } from "./log-capture.ts";
import type { MemoryWatchdog, WatchedProcess } from "./memory-watchdog.ts";
import type { PendingCall } from "./pending-call.ts";
import type {
  HttpResult,
  InstanceToServer,
  SerializedError,
  ServerToInstance,
  SpecializeMessage,
} from "./protocol.ts";
import { MAX_STREAMED_BYTES, StreamedResponse } from "./streamed-response.ts";
import type { FunctionDeployment, InstanceCredentialsChannel, RuntimeEvents } from "./types.ts";

/** How long to wait for stdout/stderr to drain after the process exited (a grandchild may hold them). */
const DRAIN_AFTER_EXIT_MS = 100;
/** A stem cell that is not up by then is stuck (generous: a loaded 2-core host starts Node slowly). */
const STEM_START_TIMEOUT_MS = 10_000;
/** Loading a function's code may take its timeout, but at least this (Lambda's init limit). */
const MIN_INIT_TIMEOUT_MS = 10_000;

export interface InstanceListener {
  /** A call finished normally and its slot is free again. */
  callSettled(instance: Instance): void;
  /** The instance stopped being usable (killed or exited); it will take no more calls. */
  instanceLost(instance: Instance): void;
}

export interface SpawnOptions {
  readonly shimPath: string;
  /** Words before `node …` (see parent-death.ts); empty to run node directly. */
  readonly commandPrefix: readonly string[];
  readonly memoryMb: number;
  /** Working directory of a stem cell; specialisation moves to the bundle's directory. */
  readonly cwd: string;
  readonly events: RuntimeEvents;
  readonly watchdog: MemoryWatchdog;
}

/** A custom runtime's instance: the function's own bootstrap, see Instance.spawnCustom. */
export interface CustomSpawnOptions extends Omit<SpawnOptions, "shimPath"> {
  readonly bootstrapPath: string;
  /** The complete environment, final at spawn (AWS_LAMBDA_RUNTIME_API included). */
  readonly env: Readonly<Record<string, string>>;
  /** The id given to the environment hooks before the process existed. */
  readonly id: string;
  readonly api: RuntimeApiServer;
}

export type InstanceState = "starting" | "stem" | "specializing" | "ready" | "exited";

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

function onCallTimeout(instance: Instance, call: PendingCall): void {
  instance.callTimedOut(call);
}

function onStartTimeout(instance: Instance): void {
  instance.kill("start-timeout");
}

function describe(error: SerializedError): string {
  return `${error.name}: ${error.message}`;
}

export class Instance implements WatchedProcess, InstanceCredentialsChannel {
  /** Random per process: what credentials issued to this instance are bound to. */
  readonly id: string;
  readonly memoryMb: number;
  readonly memoryLimitBytes: number;
  /** Resolves once the process has ended and every call on it is settled. */
  readonly exited: Promise<void>;
  /** Monotonic ms when the instance last had nothing in flight (for keepWarm). */
  idleSinceMs = 0;
  /** Monotonic ms when specialisation finished. */
  specializedAtMs = 0;
  succeededCalls = 0;

  readonly #child: ChildProcess;
  /** To the shim over IPC, or to a custom runtime's Runtime API server. */
  readonly #send: (message: ServerToInstance) => void;
  readonly #events: RuntimeEvents;
  readonly #watchdog: MemoryWatchdog;
  readonly #inFlight = new Map<string, PendingCall>();
  readonly #resolveExited: () => void;
  readonly #logSink: Record<LogStream, (entry: ParsedLine) => void>;
  #state: InstanceState = "starting";
  #listener: InstanceListener | undefined;
  #deployment: FunctionDeployment | undefined;
  #timeoutMs = 0;
  #initTimeoutMs = MIN_INIT_TIMEOUT_MS;
  /** Bounds the wait for "stem-ready", then for "specialized". */
  #startTimer: NodeJS.Timeout | undefined;
  #initDurationMs: number | undefined;
  #coldCallPending = true;
  #stemWaiter: Waiter | undefined;
  #specializeWaiter: Waiter | undefined;
  #killReason: KillReason | undefined;
  #timedOutRequestId: string | undefined;
  #heapOutOfMemory = false;
  #exitCode: number | null = null;
  #signal: NodeJS.Signals | null = null;
  #lost = false;
  /** A custom runtime runs in its own process group: a kill reaches what its bootstrap started. */
  #processGroup = false;
  /** See afterFirstCall. */
  #afterFirstCall: (() => void) | undefined;

  static spawn(options: SpawnOptions): Instance {
    const [command = process.execPath, ...wrapper] = options.commandPrefix;
    const nodeArgs = ["--enable-source-maps", `--max-old-space-size=${options.memoryMb}`, options.shimPath];
    const child = spawn(
      command,
      options.commandPrefix.length > 0 ? [...wrapper, process.execPath, ...nodeArgs] : nodeArgs,
      {
        stdio: ["ignore", "pipe", "pipe", "ipc"],
        serialization: "advanced", // Uint8Array bodies cross as bytes, not base64 in JSON
        env: {}, // never the server's environment: secrets, and NODE_EXTRA_CA_CERTS costs ~40 ms per start
        cwd: options.cwd,
      },
    );
    return new Instance(child, options, randomUUID(), (message) => child.send(message));
  }

  /**
   * The function's own `bootstrap`, spawned with its final environment (there is no generic
   * process to specialise), talking HTTP to `api` instead of IPC. It counts as a stem at
   * once: specialize() hands the API the function's identity, and the runtime's first
   * GET /next says it is ready (the "specialized" message).
   */
  static spawnCustom(options: CustomSpawnOptions): Instance {
    const [command = options.bootstrapPath, ...wrapper] = options.commandPrefix;
    const child = spawn(
      command,
      options.commandPrefix.length > 0 ? [...wrapper, options.bootstrapPath] : [],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env: options.env,
        cwd: options.cwd,
        detached: true, // its own process group
      },
    );
    const { api } = options;
    const instance = new Instance(child, options, options.id, (message) => api.deliver(message));
    instance.#processGroup = true;
    instance.#state = "stem";
    clearTimeout(instance.#startTimer);
    api.attach({
      receive: (message) => instance.#handle(message),
      peakRssKb: () => peakResidentKb(child.pid),
    });
    return instance;
  }

  private constructor(
    child: ChildProcess,
    options: Omit<SpawnOptions, "shimPath">,
    id: string,
    send: (message: ServerToInstance) => void,
  ) {
    this.id = id;
    this.#child = child;
    this.#send = send;
    this.memoryMb = options.memoryMb;
    this.memoryLimitBytes = options.memoryMb * 1024 * 1024;
    this.#events = options.events;
    this.#watchdog = options.watchdog;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.exited = promise;
    this.#resolveExited = resolve;
    this.#logSink = {
      stdout: (entry) => this.#emitLog("stdout", entry),
      stderr: (entry) => this.#emitLog("stderr", entry),
    };
    this.#capture(child.stdout, "stdout");
    this.#capture(child.stderr, "stderr");
    child.on("message", (message: unknown) => this.#onMessage(message));
    this.#startTimer = setTimeout(onStartTimeout, STEM_START_TIMEOUT_MS, this).unref();
    child.on("exit", (code, signal) => {
      this.#exitCode = code;
      this.#signal = signal;
      this.#markLost();
      setTimeout(() => this.#finalize(), DRAIN_AFTER_EXIT_MS);
    });
    child.on("close", () => this.#finalize());
    child.on("error", () => {
      // Spawning failed (no 'exit' follows), or a send raced the process's death (one will).
      if (child.pid === undefined) this.#finalize();
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get state(): InstanceState {
    return this.#state;
  }

  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** Ready for calls: specialised, alive, and not being killed. */
  get accepting(): boolean {
    return this.#state === "ready" && !this.#lost;
  }

  /** Resolves when the generic shim is up; rejects if it dies first. */
  whenStemReady(): Promise<void> {
    if (this.#state === "stem") return Promise.resolve();
    if (this.#state !== "starting") return Promise.reject(this.#startFailure());
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#stemWaiter = { resolve, reject };
    return promise;
  }

  /** Turns the stem cell into an instance of `deployment`; rejects with the load error. */
  specialize(
    deployment: FunctionDeployment,
    message: SpecializeMessage,
    listener: InstanceListener,
  ): Promise<void> {
    if (this.#state !== "stem") return Promise.reject(this.#startFailure());
    this.#state = "specializing";
    this.#deployment = deployment;
    this.#timeoutMs = deployment.config.timeoutMs;
    this.#initTimeoutMs = Math.max(deployment.config.timeoutMs, MIN_INIT_TIMEOUT_MS);
    this.#listener = listener;
    this.#startTimer = setTimeout(onStartTimeout, this.#initTimeoutMs, this).unref();
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#specializeWaiter = { resolve, reject };
    this.#send(message);
    return promise;
  }

  /**
   * Runs `callback` once, when the first call dispatched here has settled, or after
   * `latestMs` at the latest (an instance warmed without a call), or when the process ends.
   */
  afterFirstCall(latestMs: number, callback: () => void): void {
    const once = (): void => {
      if (this.#afterFirstCall !== once) return;
      this.#afterFirstCall = undefined;
      clearTimeout(timer);
      callback();
    };
    const timer = setTimeout(once, latestMs).unref();
    this.#afterFirstCall = once;
    if (this.#state === "exited") once();
  }

  /** Runs a call here; the pool has checked there is a free slot. */
  dispatch(call: PendingCall): void {
    if (this.#coldCallPending) {
      this.#coldCallPending = false;
      call.cold = true;
      call.initDurationMs = this.#initDurationMs;
    }
    this.#inFlight.set(call.requestId, call);
    if (this.#inFlight.size === 1) this.#watchdog.watch(this);
    call.timer = setTimeout(onCallTimeout, this.#timeoutMs, this, call);
    try {
      this.#send({
        type: "invoke",
        requestId: call.requestId,
        deadlineMs: Date.now() + this.#timeoutMs,
        request: call.request,
      });
    } catch (error) {
      // The request could not be serialised: a platform bug, not the function's; the instance is fine.
      const reason = error instanceof Error ? error.message : String(error);
      this.#settle(
        call,
        undefined,
        "INTERNAL",
        `The call could not be sent to the instance: ${reason}`,
        undefined,
      );
    }
  }

  pushCredentials(credentials: Readonly<Record<string, string>>): void {
    if (this.#lost || !this.#child.connected) return;
    this.#child.send({ type: "credentials", credentials });
  }

  /** SIGKILL: nothing in a function can delay or refuse it. */
  kill(reason: KillReason): void {
    if (this.#state === "exited" || this.#killReason !== undefined) return;
    this.#killReason = reason;
    this.#sigkill();
    this.#markLost();
  }

  /** For the server's own 'exit': synchronous, no bookkeeping (the event loop is gone). */
  killNow(): void {
    if (this.#state !== "exited") this.#sigkill();
  }

  #sigkill(): void {
    const pid = this.#child.pid;
    if (this.#processGroup && pid !== undefined) {
      try {
        process.kill(-pid, "SIGKILL");
        return;
      } catch {
        // The group is gone already; the direct kill below is then a no-op too.
      }
    }
    this.#child.kill("SIGKILL");
  }

  callTimedOut(call: PendingCall): void {
    if (!this.#inFlight.has(call.requestId)) return;
    this.#timedOutRequestId ??= call.requestId;
    this.kill("timeout");
  }

  overMemoryLimit(): void {
    this.kill("memory");
  }

  #capture(stream: NodeJS.ReadableStream | null, name: LogStream): void {
    if (!stream) return;
    stream.setEncoding("utf8");
    const sink = this.#logSink[name];
    const splitter = new LineSplitter((line) => {
      if (name === "stderr" && !this.#heapOutOfMemory && line.includes("heap out of memory")) {
        this.#heapOutOfMemory = true;
      }
      if (this.#deployment !== undefined && line !== "") readLine(name, line, sink);
    });
    stream.on("data", (chunk: string) => splitter.push(chunk));
    stream.on("end", () => splitter.end());
  }

  #emitLog(stream: LogStream, entry: ParsedLine): void {
    const deployment = this.#deployment as FunctionDeployment;
    let requestId = entry.requestId;
    // An unmarked line belongs to the only call in flight, if there is exactly one.
    if (!entry.marked && this.#inFlight.size === 1) requestId = this.#inFlight.keys().next().value;
    this.#log(deployment, requestId, stream, entry.level, entry.message);
  }

  #log(
    deployment: FunctionDeployment,
    requestId: string | undefined,
    stream: LogStream,
    level: ParsedLine["level"],
    message: string,
  ): void {
    this.#events.onLog({
      timestamp: Date.now(),
      app: deployment.app,
      functionName: deployment.config.name,
      version: deployment.version,
      requestId,
      stream,
      level,
      message,
    });
  }

  #onMessage(raw: unknown): void {
    const message = readInstanceMessage(raw);
    if (message === undefined) {
      this.kill("protocol");
      return;
    }
    this.#handle(message);
  }

  #handle(message: InstanceToServer): void {
    switch (message.type) {
      case "result": {
        const call = this.#inFlight.get(message.requestId);
        if (call === undefined) return;
        this.succeededCalls++;
        this.#settle(call, message.maxRssKb, undefined, undefined, message.result);
        return;
      }
      case "invoke-error": {
        const call = this.#inFlight.get(message.requestId);
        if (call === undefined) return;
        const { error } = message;
        this.#log(
          this.#deployment as FunctionDeployment,
          call.requestId,
          "stderr",
          "error",
          error.stack ?? describe(error),
        );
        this.#settle(call, message.maxRssKb, message.code, describe(error), undefined, error);
        return;
      }
      case "response-start":
      case "response-chunk":
      case "response-end":
        this.#onStream(message);
        return;
      case "stem-ready":
        if (this.#state !== "starting") return;
        this.#state = "stem";
        clearTimeout(this.#startTimer);
        this.#stemWaiter?.resolve();
        this.#stemWaiter = undefined;
        return;
      case "specialized":
        if (this.#state !== "specializing") return;
        this.#state = "ready";
        clearTimeout(this.#startTimer);
        this.#initDurationMs = message.initDurationMs;
        this.specializedAtMs = performance.now();
        this.idleSinceMs = this.specializedAtMs;
        this.#specializeWaiter?.resolve();
        this.#specializeWaiter = undefined;
        return;
      case "init-error":
        this.#onInitError(message.code, message.error);
        return;
    }
  }

  /** A streamed response: the caller gets it at its start, the record at its end. */
  #onStream(
    message: Extract<InstanceToServer, { type: "response-start" | "response-chunk" | "response-end" }>,
  ): void {
    const call = this.#inFlight.get(message.requestId);
    if (call === undefined) return; // settled already (timed out, cut): the rest is dropped
    const deployment = this.#deployment as FunctionDeployment;
    if (message.type === "response-start") {
      if (call.stream === undefined)
        call.startStream(deployment, new StreamedResponse(message.status, message.headers));
      return;
    }
    const { stream } = call;
    if (stream === undefined) return;
    if (message.type === "response-end") {
      this.succeededCalls++;
      this.#settle(call, message.maxRssKb, undefined, undefined, {
        status: stream.status,
        headers: stream.headers,
        // The gateway wrote the body as it came; any other caller gets it whole now.
        body: call.acceptsStream ? new Uint8Array(0) : stream.bufferedBody(),
      });
      return;
    }
    stream.push(message.chunk);
    if (stream.bytes <= MAX_STREAMED_BYTES) return;
    // The function is still writing: its call fails now and the instance goes, so nothing
    // it sends later can reach another call.
    const why = `The streamed response went over ${MAX_STREAMED_BYTES} bytes and was cut`;
    this.#log(deployment, call.requestId, "stderr", "error", why);
    this.#settle(call, undefined, "FUNCTION_RESPONSE_INVALID", why, undefined);
    this.kill("response-too-large");
  }

  #onInitError(code: "FUNCTION_INIT_ERROR" | "HANDLER_NOT_FOUND", error: SerializedError): void {
    const deployment = this.#deployment;
    if (this.#state !== "specializing" || deployment === undefined) return;
    this.#log(deployment, undefined, "stderr", "error", error.stack ?? describe(error));
    const what = code === "HANDLER_NOT_FOUND" ? "has no usable handler" : "failed to load";
    this.#specializeWaiter?.reject(
      new NimbusError(code, `Function "${deployment.config.name}" ${what}: ${describe(error)}`, {
        details: { functionName: deployment.config.name, stack: error.stack },
      }),
    );
    this.#specializeWaiter = undefined;
    this.kill("init-failed");
  }

  #settle(
    call: PendingCall,
    maxRssKb: number | undefined,
    errorCode: NimbusError["code"] | undefined,
    errorMessage: string | undefined,
    response: HttpResult | undefined,
    functionError?: SerializedError,
  ): void {
    this.#inFlight.delete(call.requestId);
    clearTimeout(call.timer);
    const outcome = call.outcome(this.#deployment as FunctionDeployment, {
      maxRssKb,
      errorCode,
      errorMessage,
      response,
      functionError,
    });
    if (this.#inFlight.size === 0) {
      this.#watchdog.unwatch(this);
      this.idleSinceMs = performance.now();
    }
    call.resolve(outcome);
    call.stream?.finish(outcome);
    this.#events.onInvocation(outcome);
    if (!this.#lost) this.#listener?.callSettled(this);
    // After the caller's answer is on its way (resolve callbacks run as microtasks first).
    if (this.#afterFirstCall !== undefined) setImmediate(this.#afterFirstCall);
  }

  #markLost(): void {
    if (this.#lost) return;
    this.#lost = true;
    this.#watchdog.unwatch(this);
    this.#listener?.instanceLost(this);
  }

  #facts(): ExitFacts {
    return {
      exitCode: this.#exitCode,
      signal: this.#signal,
      killReason: this.#killReason,
      heapOutOfMemory: this.#heapOutOfMemory,
      memoryMb: this.memoryMb,
      timeoutMs: this.#timeoutMs,
      initTimeoutMs: this.#initTimeoutMs,
    };
  }

  #startFailure(): NimbusError {
    const facts = this.#facts();
    const how = facts.signal ? `signal ${facts.signal}` : `exit code ${facts.exitCode}`;
    return new NimbusError(
      "PLATFORM_UNAVAILABLE",
      `A function instance process ended before it was ready (${how})`,
    );
  }

  /** After the process ended and its output drained: settle everything still waiting on it. */
  #finalize(): void {
    if (this.#state === "exited") return;
    const wasState = this.#state;
    this.#state = "exited";
    clearTimeout(this.#startTimer);
    this.#markLost();
    const facts = this.#facts();
    if (this.#stemWaiter) this.#stemWaiter.reject(this.#startFailure());
    this.#stemWaiter = undefined;
    if (this.#specializeWaiter && wasState === "specializing") {
      const failure = failureOfInit(facts);
      const deployment = this.#deployment as FunctionDeployment;
      this.#log(deployment, undefined, "stderr", "error", failure.message);
      this.#specializeWaiter.reject(
        new NimbusError(failure.code, `Function "${deployment.config.name}": ${failure.message}`),
      );
    }
    this.#specializeWaiter = undefined;
    for (const call of [...this.#inFlight.values()]) {
      const failure = failureOfCallInFlight(facts, call.requestId === this.#timedOutRequestId);
      const deployment = this.#deployment as FunctionDeployment;
      if (failure.code !== "PLATFORM_UNAVAILABLE") {
        this.#log(deployment, call.requestId, "stderr", "error", failure.message);
      }
      this.#settle(call, undefined, failure.code, failure.message, undefined);
    }
    this.#afterFirstCall?.();
    this.#resolveExited();
  }
}
