// Calling entities from function code, with the instance's token. The function's permissions
// must allow entities:Call (call), entities:Signal (signal) or entities:Read (read, get) on
// "entity/<name>/<key>".
import { currentApp, platformRequest } from "./platform-client.ts";

export interface EntityCallOptions {
  /** Makes the operation idempotent: a repeat with the same id on the key runs it once and returns its result. */
  readonly operationId?: string;
  /** How long to wait for the result (default 30 s); past it: ENTITY_CALL_TIMEOUT, the operation still runs. */
  readonly timeoutMs?: number;
}

export interface EntityState<State = unknown> {
  readonly entity: string;
  readonly key: string;
  /** undefined before the key's first write operation committed. */
  readonly state: State | undefined;
  readonly version: number;
  readonly queued: number;
}

export interface EntitySignalled {
  readonly operationId: string;
  /** true: an operation with this id existed already (it runs once). */
  readonly duplicate: boolean;
}

const keyPath = (entity: string, key: string) =>
  `/apps/${encodeURIComponent(currentApp())}/entities/${encodeURIComponent(entity)}/${encodeURIComponent(key)}`;

export const entities = {
  /** Runs the operation (one at a time per key; reads beside the others) and resolves with its result. */
  async call<T = unknown>(
    entity: string,
    key: string,
    operation: string,
    input?: unknown,
    options: EntityCallOptions = {},
  ): Promise<T> {
    const answer = await platformRequest<{ output: T }>(
      "POST",
      `${keyPath(entity, key)}/call/${encodeURIComponent(operation)}`,
      { input, ...options },
    );
    return answer.output;
  },
  /** Queues the operation durably and resolves at once (202): nobody waits for its result. */
  signal(
    entity: string,
    key: string,
    operation: string,
    input?: unknown,
    options: { operationId?: string } = {},
  ): Promise<EntitySignalled> {
    return platformRequest("POST", `${keyPath(entity, key)}/signal/${encodeURIComponent(operation)}`, {
      input,
      ...options,
    });
  },
  /** Runs a read operation (entities:Read is enough); a write operation is refused. */
  async read<T = unknown>(entity: string, key: string, operation: string, input?: unknown): Promise<T> {
    const answer = await platformRequest<{ output: T }>(
      "POST",
      `${keyPath(entity, key)}/read/${encodeURIComponent(operation)}`,
      { input },
    );
    return answer.output;
  },
  /** The key's committed state. */
  get<State = unknown>(entity: string, key: string): Promise<EntityState<State>> {
    return platformRequest("GET", keyPath(entity, key));
  },
};
