// Durable entities: addressable state, one operation batch at a time per key (see ARCHITECTURE.md).

export type { EntityDescription, EntityRunAnswer } from "./entity-answer.ts";
export { MAX_ATTEMPTS } from "./entity-dispatcher.ts";
export type { EntityHost, LiveEntityApp } from "./entity-invoker.ts";
export {
  DEFAULT_CALL_TIMEOUT_MS,
  MAX_CALL_TIMEOUT_MS,
  MAX_ENTITY_INPUT_BYTES,
  MAX_ENTITY_STATE_BYTES,
} from "./entity-limits.ts";
export { registerEntityRoutes } from "./entity-routes.ts";
export {
  type CallResult,
  type EntityOperationInput,
  EntityService,
  type EntityServiceOptions,
} from "./entity-service.ts";
export { entityView, operationView } from "./entity-view.ts";
