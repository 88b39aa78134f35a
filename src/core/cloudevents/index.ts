// CloudEvents 1.0 envelopes and EventBridge-style event patterns (pure: no I/O).
export {
  type CloudEvent,
  fromBinary,
  fromHttp,
  fromStructured,
  MAX_EVENT_BYTES,
  newCloudEvent,
  STRUCTURED_CONTENT_TYPE,
  toBinary,
  toCloudEvent,
  toEventBridge,
} from "./cloud-event.ts";
export { type EventPattern, eventPatternProblems, matchesPattern } from "./event-filter.ts";
