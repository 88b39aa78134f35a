// Durable entities: callers queue write operations on a key (`call` waits for the result,
// `signal` does not), run read operations directly on the committed state, and read a key's
// state and history. Queued operations are run by the EntityDispatcher, one batch at a time
// per key. See ARCHITECTURE.md.
import { randomUUID } from "node:crypto";
import { NimbusError } from "../../core/errors.ts";
import type { EntityOperation, EntityRecord, EntityRef, EntityStore } from "../../store/entity-ports.ts";
import type { EntityDescription } from "./entity-answer.ts";
import { EntityDispatcher } from "./entity-dispatcher.ts";
import { type EntityHost, EntityInvoker, type LiveEntityApp } from "./entity-invoker.ts";
import { checkInput, checkKey, checkOperationId, DEFAULT_CALL_TIMEOUT_MS } from "./entity-limits.ts";
import { EntityWaiters } from "./entity-waiters.ts";

export interface EntityServiceOptions {
  readonly store: EntityStore;
  readonly host: EntityHost;
  /** How long a key's claim lasts without renewal (the cluster's lease ttl). */
  readonly claimTtlMs: number;
  readonly onError: (error: unknown) => void;
}

export interface EntityOperationInput extends EntityRef {
  readonly operation: string;
  /** JSON text. */
  readonly input: string;
  readonly operationId?: string | undefined;
}

export interface CallResult {
  readonly operationId: string;
  /** JSON text, or undefined (the handler returned nothing). */
  readonly output: string | undefined;
  readonly duplicate: boolean;
}

interface Resolved {
  readonly live: LiveEntityApp;
  readonly description: EntityDescription;
  readonly kind: "read" | "write";
}

export class EntityService {
  readonly #options: EntityServiceOptions;
  readonly #invoker = new EntityInvoker();
  readonly #waiters = new EntityWaiters();
  readonly #dispatcher: EntityDispatcher;

  constructor(options: EntityServiceOptions) {
    this.#options = options;
    this.#dispatcher = new EntityDispatcher({
      store: options.store,
      host: options.host,
      invoker: this.#invoker,
      claimTtlMs: options.claimTtlMs,
      onCommitted: (claim, ids) => {
        for (const id of ids) this.#waiters.wake(EntityWaiters.id(claim.entity, id));
      },
      onError: options.onError,
    });
  }

  start(): void {
    this.#dispatcher.start();
  }

  stop(): Promise<void> {
    return this.#dispatcher.stop();
  }

  /** Runs the operation and resolves with its result: a read at once, a write once committed. */
  async call(input: EntityOperationInput, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<CallResult> {
    const resolved = await this.#resolve(input, input.operation);
    if (resolved.kind === "read") return this.#runRead(input, resolved);
    const { operation, duplicate } = await this.#enqueue(input, "call");
    const done = operation.status === "done" ? operation : await this.#waitFor(operation, timeoutMs);
    return { operationId: done.operationId, output: outputOf(done), duplicate };
  }

  /** Queues a write operation; resolves once it is stored. */
  async signal(input: EntityOperationInput): Promise<{ operationId: string; duplicate: boolean }> {
    const resolved = await this.#resolve(input, input.operation);
    if (resolved.kind === "read") {
      throw new NimbusError(
        "BAD_REQUEST",
        `"${input.operation}" is a read operation of ${input.entity}: it changes nothing, so signalling it does nothing; call it`,
      );
    }
    const { operation, duplicate } = await this.#enqueue(input, "signal");
    return { operationId: operation.operationId, duplicate };
  }

  /** Runs a read operation (refuses a write one: the caller may hold only entities:Read). */
  async read(input: EntityOperationInput): Promise<CallResult> {
    const resolved = await this.#resolve(input, input.operation);
    if (resolved.kind !== "read") {
      throw new NimbusError(
        "ENTITY_OPERATION_NOT_READ",
        `"${input.operation}" of ${input.entity} is a write operation; call it (entities:Call)`,
      );
    }
    return this.#runRead(input, resolved);
  }

  /** The key's record; a key never operated on has state undefined and version 0. */
  async get(ref: EntityRef): Promise<EntityRecord> {
    this.#requireEntity(ref);
    const now = Date.now();
    return (
      (await this.#options.store.get(ref)) ?? {
        ...ref,
        state: undefined,
        version: 0,
        queued: 0,
        createdAt: now,
        updatedAt: now,
      }
    );
  }

  async history(ref: EntityRef, limit: number): Promise<EntityOperation[]> {
    this.#requireEntity(ref);
    return this.#options.store.history(ref, limit);
  }

  async operation(ref: EntityRef, operationId: string): Promise<EntityOperation> {
    this.#requireEntity(ref);
    const found = await this.#options.store.operation(ref, operationId);
    if (!found)
      throw new NimbusError("NOT_FOUND", `No operation "${operationId}" on ${ref.entity}/${ref.key}`);
    return found;
  }

  list(app: string, entity: string | undefined, limit: number): Promise<EntityRecord[]> {
    if (entity !== undefined) this.#requireEntity({ app, entity, key: "-" });
    return this.#options.store.list(app, entity, limit);
  }

  #requireEntity(ref: EntityRef): LiveEntityApp {
    checkKey(ref.key);
    const live = this.#options.host.live(ref.app);
    if (!live) throw new NimbusError("APP_NOT_FOUND", `App "${ref.app}" is not deployed`);
    if (live.config.functions[ref.entity]?.entity !== true) {
      throw new NimbusError(
        "ENTITY_NOT_FOUND",
        `App "${ref.app}" has no entity "${ref.entity}" (a function with entity: true)`,
      );
    }
    return live;
  }

  async #resolve(input: EntityOperationInput, operation: string): Promise<Resolved> {
    const live = this.#requireEntity(input);
    if (input.operationId !== undefined) checkOperationId(input.operationId);
    checkInput(input.input);
    const description = await this.#invoker.describe(input.app, live, input.entity);
    const kind = Object.hasOwn(description.operations, operation)
      ? description.operations[operation]
      : undefined;
    if (kind === undefined) {
      const known = Object.keys(description.operations).join(", ") || "none";
      throw new NimbusError(
        "ENTITY_OPERATION_NOT_FOUND",
        `Entity ${input.entity} has no operation "${operation}" (it has: ${known})`,
      );
    }
    return { live, description, kind };
  }

  async #enqueue(
    input: EntityOperationInput,
    kind: "call" | "signal",
  ): Promise<{ operation: EntityOperation; duplicate: boolean }> {
    const operationId = input.operationId ?? randomUUID();
    const stored = await this.#options.store.enqueue({
      app: input.app,
      entity: input.entity,
      key: input.key,
      operationId,
      operation: input.operation,
      input: input.input,
      kind,
      nowMs: Date.now(),
    });
    if (stored.duplicate && stored.operation.operation !== input.operation) {
      throw new NimbusError(
        "ENTITY_OPERATION_ID_CONFLICT",
        `Operation id "${operationId}" already names a "${stored.operation.operation}" operation of ${input.entity}/${input.key}`,
      );
    }
    if (!stored.duplicate) this.#dispatcher.wake();
    return stored;
  }

  async #waitFor(operation: EntityOperation, timeoutMs: number): Promise<EntityOperation> {
    const id = EntityWaiters.id(operation, operation.operationId);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const next = this.#waiters.next(id);
      const current = await this.#options.store.operation(operation, operation.operationId);
      if (current?.status === "done") return current;
      if (current === undefined || Date.now() >= deadline) {
        throw new NimbusError(
          "ENTITY_CALL_TIMEOUT",
          `Operation "${operation.operationId}" on ${operation.entity}/${operation.key} did not finish within ${timeoutMs} ms`,
          { details: { operationId: operation.operationId } },
        );
      }
      await next;
    }
  }

  async #runRead(input: EntityOperationInput, resolved: Resolved): Promise<CallResult> {
    const operationId = input.operationId ?? randomUUID();
    const record = await this.#options.store.get(input);
    const answer = await this.#invoker.run(input.app, resolved.live, input, record?.state, [
      { operationId, operation: input.operation, input: input.input },
    ]);
    const result = answer.results[0] as { output?: string; error?: string };
    return {
      operationId,
      output: outputOf({ ...input, operationId, output: result.output, error: result.error }),
      duplicate: false,
    };
  }
}

/** The operation's output, or ENTITY_OPERATION_FAILED with the handler's error. */
function outputOf(operation: {
  entity: string;
  key: string;
  operation: string;
  operationId: string;
  output: string | undefined;
  error: string | undefined;
}): string | undefined {
  if (operation.error === undefined) return operation.output;
  let error: { name?: string; message?: string };
  try {
    error = JSON.parse(operation.error) as typeof error;
  } catch {
    error = { message: operation.error };
  }
  throw new NimbusError(
    "ENTITY_OPERATION_FAILED",
    `${operation.entity}/${operation.key} ${operation.operation} failed: ${error.message ?? "unknown error"}`,
    { details: { operationId: operation.operationId, error } },
  );
}
