// Async invocation (the Event invocation type): `enqueueAsyncInvocation` stores the request
// durably and returns its id (the caller answers 202); a dispatcher on every node claims due
// invocations from the store, calls the function, and retries failures with backoff until the
// function's maximumRetryAttempts or maximumEventAge is used up; then the invocation goes to its
// dead-letter queue and/or onFailure destination. Throttled calls (429) are retried later and
// do not use up a retry. The record keeps every attempt and the version that ran it. An
// invocation with a qualifier (an alias or version number) resolves it at each attempt, so an
// alias moved meanwhile, or its canary's share, applies to every retry as to any other call.
import { type CloudEvent, toBinary } from "../../core/cloudevents/index.ts";
import { NimbusError } from "../../core/errors.ts";
import { newRequestId } from "../../core/ids.ts";
import { ASYNC_DEFAULTS, type AsyncConfig, type AsyncDestination } from "../../core/manifest/async-config.ts";
import type { AppConfig } from "../../core/manifest/normalize.ts";
import { ALIAS_NAME_RULE, isQualifier } from "../../core/manifest/qualifier.ts";
import type { InvocationRequest } from "../../runtime/protocol.ts";
import type { InvocationOutcome } from "../../runtime/types.ts";
import type {
  AsyncAttempt,
  AsyncInvocationRecord,
  AsyncInvocationStore,
  ClaimedAsyncInvocation,
} from "../../store/async-invocation-ports.ts";
import type { QueueService } from "../queues/index.ts";
import {
  deadLetterMessage,
  destinationEvent,
  destinationRecord,
  type InvocationResult,
} from "./destination-record.ts";
import { type BackoffPolicy, DEFAULT_BACKOFF, retryDelayMs } from "./retry-backoff.ts";

/** Lambda's limit for an asynchronous payload. */
export const MAX_ASYNC_PAYLOAD_BYTES = 256 * 1024;
/** A repeated idempotency key within this window returns the first invocation. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;
/** Invocations attempted at once by one node. */
const MAX_IN_FLIGHT = 16;
/** Without a wake-up, look for due invocations (retries, other nodes' enqueues) this often. */
const RECHECK_MS = 200;
/**
 * A claim outlives the longest call by this much; then another node (or this one, restarted
 * after a crash) takes it over. A late owner is fenced out by the claim token, so a short
 * margin costs at most a repeated attempt (at least once), never a lost one.
 */
const CLAIM_MARGIN_MS = 5_000;

export interface AsyncInvocationHost {
  /** The longest timeout of any live function: how long a claim must last. */
  maxFunctionTimeoutMs(): number;
  live(app: string):
    | {
        readonly config: AppConfig;
        /** `qualifier`: an alias or version number, resolved for this call; undefined: $LATEST. */
        invoke(
          functionName: string,
          request: InvocationRequest,
          requestId: string,
          qualifier?: string,
        ): Promise<InvocationOutcome>;
      }
    | undefined;
  /**
   * Whether a call at `qualifier` finds a version (an existing alias, a stored version); may
   * throw a NimbusError saying why not. Without it, qualifiers are only checked when called.
   */
  resolves?(app: string, functionName: string, qualifier: string): Promise<boolean>;
}

/**
 * Something other than a function that async invocations can deliver to with the same
 * durability and retries (topic webhooks): invocations whose functionName starts with `prefix`.
 */
export interface AsyncTarget {
  readonly prefix: string;
  /** Retries of the target; throws (a NimbusError) when it no longer exists. */
  config(app: string, name: string): AsyncConfig;
  /** One attempt: resolves with the outcome (status "error" for a failed delivery). */
  deliver(invocation: AsyncInvocationRecord, requestId: string): Promise<Attempted>;
}

type Attempted = Pick<InvocationOutcome, "status" | "errorCode" | "errorMessage" | "response"> & {
  readonly version?: string;
};

export interface AsyncInvocationsOptions {
  readonly store: AsyncInvocationStore;
  readonly host: AsyncInvocationHost;
  readonly queues: QueueService;
  readonly backoff?: BackoffPolicy;
  readonly targets?: readonly AsyncTarget[];
  /** Publishes to a topic of the app (topic destinations); the topic service needs this service, so it is bound late. */
  readonly publish: (app: string, topic: string, event: CloudEvent) => Promise<unknown>;
  readonly onError: (error: unknown) => void;
}

export interface EnqueueAsyncInvocation {
  readonly app: string;
  readonly functionName: string;
  readonly payload: Uint8Array;
  readonly idempotencyKey?: string | undefined;
  /** An event's CloudEvent (JSON): fetch-style handlers get it in binary mode, others `payload`. */
  readonly cloudEvent?: string | undefined;
  /** An alias or version number each attempt calls; undefined or "$LATEST": the latest version. */
  readonly qualifier?: string | undefined;
}

function requestOf(invocation: AsyncInvocationRecord): InvocationRequest {
  if (invocation.cloudEvent === undefined) return { kind: "direct", payload: invocation.payload };
  return {
    kind: "direct",
    payload: invocation.payload,
    fetchRequest: toBinary(JSON.parse(invocation.cloudEvent) as CloudEvent),
  };
}

export class AsyncInvocations {
  readonly #options: AsyncInvocationsOptions;
  readonly #backoff: BackoffPolicy;
  readonly #inFlight = new Set<Promise<void>>();
  #loop: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(options: AsyncInvocationsOptions) {
    this.#options = options;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /**
   * The entry point for every async caller (HTTP API, CLI, SDK, the Lambda Invoke API's Event
   * type): resolves once the invocation is stored durably.
   */
  async enqueueAsyncInvocation(
    input: EnqueueAsyncInvocation,
  ): Promise<{ invocation: AsyncInvocationRecord; duplicate: boolean }> {
    const config = this.#functionConfig(input.app, input.functionName);
    const qualifier = input.qualifier === "$LATEST" ? undefined : input.qualifier;
    if (qualifier !== undefined) await this.#checkQualifier(input.app, input.functionName, qualifier);
    if (input.payload.byteLength > MAX_ASYNC_PAYLOAD_BYTES) {
      throw new NimbusError(
        "PAYLOAD_TOO_LARGE",
        `An async payload may be at most ${MAX_ASYNC_PAYLOAD_BYTES} bytes, not ${input.payload.byteLength}`,
      );
    }
    const result = await this.#options.store.enqueue({
      app: input.app,
      functionName: input.functionName,
      payload: input.payload,
      idempotencyKey: input.idempotencyKey,
      cloudEvent: input.cloudEvent,
      qualifier,
      idempotencyWindowMs: IDEMPOTENCY_WINDOW_MS,
      maxAttempts: config.maximumRetryAttempts + 1,
      maxEventAgeMs: config.maximumEventAgeMs,
    });
    this.#wake?.();
    return result;
  }

  get(id: string): Promise<AsyncInvocationRecord | undefined> {
    return this.#options.store.get(id);
  }

  list(app: string, functionName: string | undefined, limit: number): Promise<AsyncInvocationRecord[]> {
    return this.#options.store.list({ app, limit, ...(functionName === undefined ? {} : { functionName }) });
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops claiming and waits for the attempts in flight (they record their outcome). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
  }

  async #checkQualifier(app: string, functionName: string, qualifier: string): Promise<void> {
    if (!isQualifier(qualifier)) {
      throw new NimbusError(
        "BAD_REQUEST",
        `"${qualifier}" is not a qualifier: a version number, "$LATEST" or an alias name (${ALIAS_NAME_RULE})`,
      );
    }
    if ((await this.#options.host.resolves?.(app, functionName, qualifier)) === false) {
      throw new NimbusError(
        "ALIAS_NOT_FOUND",
        `Function "${functionName}" of app "${app}" has no alias or version "${qualifier}"`,
      );
    }
  }

  /** The delivery target of a non-function invocation (a webhook), by its name prefix. */
  #targetOf(invocation: AsyncInvocationRecord): AsyncTarget | undefined {
    return this.#options.targets?.find((target) => invocation.functionName.startsWith(target.prefix));
  }

  #functionConfig(app: string, functionName: string): AsyncConfig {
    const target = this.#options.targets?.find((candidate) => functionName.startsWith(candidate.prefix));
    if (target) return target.config(app, functionName);
    const live = this.#options.host.live(app);
    if (!live) throw new NimbusError("APP_NOT_FOUND", `App "${app}" is not deployed`);
    const fn = live.config.functions[functionName];
    if (!fn) throw new NimbusError("FUNCTION_NOT_FOUND", `App "${app}" has no function "${functionName}"`);
    return (
      fn.async ?? {
        maximumRetryAttempts: ASYNC_DEFAULTS.maximumRetryAttempts,
        maximumEventAgeMs: ASYNC_DEFAULTS.maximumEventAgeMs,
        deadLetterQueue: undefined,
        onSuccess: undefined,
        onFailure: undefined,
      }
    );
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const room = MAX_IN_FLIGHT - this.#inFlight.size;
        const claimed = room > 0 ? await this.#options.store.claimDue(room, this.#claimMs()) : [];
        for (const claim of claimed) {
          const work = this.#attempt(claim)
            .catch((error: unknown) => this.#options.onError(error))
            .finally(() => this.#inFlight.delete(work));
          this.#inFlight.add(work);
        }
        if (claimed.length === 0 || room <= claimed.length) await this.#pause(RECHECK_MS);
      } catch (error) {
        this.#options.onError(error);
        await this.#pause(1_000);
      }
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  /** Long enough for the slowest function of any live app to answer. */
  #claimMs(): number {
    return CLAIM_MARGIN_MS + this.#options.host.maxFunctionTimeoutMs();
  }

  async #attempt({ invocation, claimToken }: ClaimedAsyncInvocation): Promise<void> {
    const { store, host } = this.#options;
    const number = invocation.attempts.length + 1;
    const requestId = newRequestId();
    const startedAt = Date.now();
    if (startedAt >= invocation.expiresAt) {
      await this.#finish(invocation, claimToken, number - 1, {
        condition: "EventAgeExceeded",
        statusCode: 0,
        response: undefined,
        errorCode: invocation.attempts.at(-1)?.errorCode,
        errorMessage: `Not attempted within maximumEventAge; last error: ${invocation.attempts.at(-1)?.errorMessage ?? "none"}`,
      });
      return;
    }
    let outcome: Attempted | undefined;
    let failure: NimbusError | undefined;
    try {
      const target = this.#targetOf(invocation);
      if (target) outcome = await target.deliver(invocation, requestId);
      else {
        const live = host.live(invocation.app);
        if (!live) throw new NimbusError("APP_NOT_FOUND", `App "${invocation.app}" is not deployed`);
        outcome = await live.invoke(
          invocation.functionName,
          requestOf(invocation),
          requestId,
          invocation.qualifier,
        );
      }
    } catch (error) {
      failure = error instanceof NimbusError ? error : new NimbusError("INTERNAL", String(error));
    }
    const throttled = failure?.code === "TOO_MANY_REQUESTS";
    const succeeded = outcome?.status === "success";
    const attempt: AsyncAttempt = {
      attempt: number,
      requestId,
      startedAt,
      durationMs: Date.now() - startedAt,
      outcome: throttled ? "throttled" : succeeded ? "success" : "error",
      errorCode: failure?.code ?? outcome?.errorCode,
      errorMessage: failure?.message ?? outcome?.errorMessage,
      ...(outcome?.version === undefined ? {} : { version: outcome.version }),
    };
    const body = outcome?.response ? Buffer.from(outcome.response.body).toString("utf8") : undefined;
    if (succeeded) {
      await this.#deliver(
        invocation,
        this.#config(invocation).onSuccess,
        undefined,
        {
          condition: "Success",
          statusCode: outcome?.response?.status ?? 200,
          response: body,
          errorCode: undefined,
          errorMessage: undefined,
        },
        number,
      );
      await store.recordAttempt(invocation.id, claimToken, attempt, {
        kind: "finish",
        status: "succeeded",
        reason: undefined,
      });
      return;
    }
    const counted = invocation.countedAttempts + (throttled ? 0 : 1);
    if (counted < invocation.maxAttempts) {
      // Throttles back off by how many there were in a row, retries by how many were counted.
      const retry = throttled ? number : counted;
      const delayMs = retryDelayMs(retry, this.#backoff);
      if (Date.now() + delayMs < invocation.expiresAt) {
        await store.recordAttempt(invocation.id, claimToken, attempt, {
          kind: "retry",
          delayMs,
          counted: !throttled,
        });
        return;
      }
    }
    await this.#finish(
      invocation,
      claimToken,
      number,
      {
        condition: counted < invocation.maxAttempts ? "EventAgeExceeded" : "RetriesExhausted",
        statusCode: failure?.status ?? 200,
        response: body,
        errorCode: attempt.errorCode,
        errorMessage: attempt.errorMessage,
      },
      attempt,
    );
  }

  /** Sends the failure to the dead-letter queue and onFailure destination, then records it. */
  async #finish(
    invocation: AsyncInvocationRecord,
    claimToken: number,
    attempts: number,
    result: InvocationResult,
    attempt?: AsyncAttempt,
  ): Promise<void> {
    const config = this.#config(invocation);
    const sentTo = await this.#deliver(
      invocation,
      config.onFailure,
      config.deadLetterQueue,
      result,
      attempts,
    );
    const reason = `${result.condition}: ${result.errorCode ?? "ERROR"} ${result.errorMessage ?? ""}`.trim();
    const finalReason = sentTo.length > 0 ? `${reason} (sent to ${sentTo.join(", ")})` : reason;
    const record = attempt ?? {
      attempt: attempts + 1,
      requestId: "",
      startedAt: Date.now(),
      durationMs: 0,
      outcome: "error" as const,
      errorCode: "EVENT_AGE_EXCEEDED",
      errorMessage: "maximumEventAge passed before this attempt",
    };
    await this.#options.store.recordAttempt(invocation.id, claimToken, record, {
      kind: "finish",
      status: "failed",
      reason: finalReason,
    });
  }

  /**
   * Delivers to the destination (and dead-letter queue) before the outcome is recorded: a crash
   * in between repeats the delivery (at least once) rather than losing it.
   */
  async #deliver(
    invocation: AsyncInvocationRecord,
    destination: AsyncDestination | undefined,
    deadLetterQueue: string | undefined,
    result: InvocationResult,
    attempts: number,
  ): Promise<string[]> {
    const sentTo: string[] = [];
    const { app } = invocation;
    if (deadLetterQueue !== undefined) {
      await this.#options.queues.send(app, deadLetterQueue, [deadLetterMessage(invocation, result)]);
      sentTo.push(`queue ${deadLetterQueue}`);
    }
    if (destination === undefined) return sentTo;
    const record = destinationRecord(invocation, attempts, result);
    if ("queue" in destination) {
      await this.#options.queues.send(app, destination.queue, [{ body: record }]);
      sentTo.push(`queue ${destination.queue}`);
    } else if ("topic" in destination) {
      const event = destinationEvent(invocation, record, result.condition === "Success");
      await this.#options.publish(app, destination.topic, event);
      sentTo.push(`topic ${destination.topic}`);
    } else {
      await this.enqueueAsyncInvocation({
        app,
        functionName: destination.function,
        payload: Buffer.from(record),
      });
      sentTo.push(`function ${destination.function}`);
    }
    return sentTo;
  }

  #config(invocation: AsyncInvocationRecord): AsyncConfig {
    try {
      return this.#functionConfig(invocation.app, invocation.functionName);
    } catch {
      // The function is gone: no destinations to honour.
      return {
        maximumRetryAttempts: 0,
        maximumEventAgeMs: 0,
        deadLetterQueue: undefined,
        onSuccess: undefined,
        onFailure: undefined,
      };
    }
  }
}
