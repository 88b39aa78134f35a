// `entity(name, { state, handlers })`: the export of a function marked `entity: true` in
// nimbus.yaml. The platform calls it with a key's committed state and a batch of that key's
// operations (one batch at a time per key); it runs them in order and answers with each
// result and the new state, which the platform commits. See docs/entities.md.
import type {
  EntityDescription,
  EntityRequest,
  EntityResultWire,
  EntityRunAnswer,
  EntityRunRequest,
} from "./entity-protocol.ts";
import { serializeError } from "./workflow-errors.ts";

/** A state larger than this (as JSON) fails the operation that made it; the state stays as it was. */
export const MAX_ENTITY_STATE_BYTES = 1024 * 1024;

export interface EntityContext<State> {
  /** The entity's name (its function's name). */
  readonly entity: string;
  readonly key: string;
  /** The operation's id: stable if the operation runs again after a crash; use it as an idempotency key. */
  readonly operationId: string;
  /** The key's state: change it, or assign a new one. Changes of a handler that throws are discarded. */
  state: State;
}

export interface EntityReadContext<State> {
  readonly entity: string;
  readonly key: string;
  readonly operationId: string;
  /** A frozen copy of the committed state. */
  readonly state: Readonly<State>;
}

const READ = Symbol.for("nimbus.entity.read");

export interface ReadOperation<State, Input = never, Output = unknown> {
  readonly [READ]: (ctx: EntityReadContext<State>, input: Input) => Output | Promise<Output>;
}

/** A write operation: one at a time per key. `input` is the caller's JSON value. */
export type WriteOperation<State> = (ctx: EntityContext<State>, input: never) => unknown;

/**
 * Marks an operation as a read: it may run while other operations of the key run, on the
 * last committed state, and cannot change it. (TypeScript infers `ctx.state`'s type inside
 * `read(...)` only when the entity's state type is given, `entity<Account>(...)`; otherwise it
 * is `any` there.)
 */
// biome-ignore lint/suspicious/noExplicitAny: the state type when TypeScript cannot infer it (see above)
export function read<State = any, Input = never, Output = unknown>(
  fn: (ctx: EntityReadContext<State>, input: Input) => Output | Promise<Output>,
): ReadOperation<State, Input, Output> {
  return { [READ]: fn };
}

export interface EntityDefinition<State> {
  /** The state of a key before its first operation. */
  readonly state: () => State;
  readonly handlers: Readonly<Record<string, WriteOperation<State> | ReadOperation<State>>>;
}

export interface EntityHandler {
  readonly entityName: string;
  /** Fetch-style entry point the Nimbus runtime calls with an entity request body. */
  fetch(request: Request): Promise<Response>;
  /** Answers one request directly (tests, other hosts). */
  handle(request: EntityRequest): Promise<EntityDescription | EntityRunAnswer>;
}

function isRead<State>(
  handler: WriteOperation<State> | ReadOperation<State>,
): handler is ReadOperation<State> {
  return typeof handler === "object" && handler !== null && READ in handler;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

type AnyHandler = (ctx: unknown, input: unknown) => unknown;

async function runOne<State>(
  definition: EntityDefinition<State>,
  request: EntityRunRequest,
  state: State,
  operation: EntityRunRequest["operations"][number],
): Promise<{ state: State; result: EntityResultWire }> {
  const { operationId } = operation;
  try {
    const handler = definition.handlers[operation.operation];
    if (handler === undefined)
      throw new Error(`entity "${request.entity}" has no operation "${operation.operation}"`);
    const input = JSON.parse(operation.input) as unknown;
    const base = { entity: request.entity, key: request.key, operationId };
    if (isRead(handler)) {
      const ctx = { ...base, state: deepFreeze(structuredClone(state)) };
      const value = await (handler[READ] as AnyHandler)(ctx, input);
      return {
        state,
        result: { operationId, ...(value === undefined ? {} : { output: JSON.stringify(value) }) },
      };
    }
    const ctx: EntityContext<State> = { ...base, state: structuredClone(state) };
    const value = await (handler as AnyHandler)(ctx, input);
    const next = JSON.stringify(ctx.state ?? null);
    if (Buffer.byteLength(next) > MAX_ENTITY_STATE_BYTES) {
      throw new Error(`the state would be ${Buffer.byteLength(next)} bytes, over ${MAX_ENTITY_STATE_BYTES}`);
    }
    const output = value === undefined ? {} : { output: JSON.stringify(value) };
    return { state: JSON.parse(next) as State, result: { operationId, ...output } };
  } catch (error) {
    return { state, result: { operationId, error: JSON.stringify(serializeError(error)) } };
  }
}

export function entity<State>(name: string, definition: EntityDefinition<State>): EntityHandler {
  const describe = (): EntityDescription => ({
    entity: name,
    operations: Object.fromEntries(
      Object.entries(definition.handlers).map(([operation, handler]) => [
        operation,
        isRead(handler) ? "read" : "write",
      ]),
    ),
  });
  const run = async (request: EntityRunRequest): Promise<EntityRunAnswer> => {
    let state = request.state === null ? definition.state() : (JSON.parse(request.state) as State);
    const results: EntityResultWire[] = [];
    for (const operation of request.operations) {
      const done = await runOne(definition, request, state, operation);
      state = done.state;
      results.push(done.result);
    }
    return { state: JSON.stringify(state ?? null), results };
  };
  const handle = async (request: EntityRequest) => (request.type === "describe" ? describe() : run(request));
  return {
    entityName: name,
    handle,
    async fetch(request) {
      const body = (await request.json().catch(() => undefined)) as EntityRequest | undefined;
      if (body?.nimbusEntity !== 1) {
        return Response.json(
          {
            error: {
              code: "ENTITY_DIRECT_CALL",
              message: `entity "${name}" is called with 'nimbus entities call', entities.call() or the entity API, not directly`,
            },
          },
          { status: 400 },
        );
      }
      return Response.json(await handle(body));
    },
  };
}
