// Entity keys and operations as the API shows them: JSON text parsed back into values.
import type { EntityOperation, EntityRecord } from "../../store/entity-ports.ts";

const parsed = (text: string | undefined): unknown => (text === undefined ? undefined : JSON.parse(text));

export function entityView(record: EntityRecord) {
  return {
    entity: record.entity,
    key: record.key,
    state: parsed(record.state),
    version: record.version,
    queued: record.queued,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export function operationView(operation: EntityOperation) {
  return {
    operationId: operation.operationId,
    operation: operation.operation,
    kind: operation.kind,
    status: operation.status,
    input: parsed(operation.input),
    output: parsed(operation.output),
    error: parsed(operation.error),
    attempts: operation.attempts,
    enqueuedAt: operation.enqueuedAt,
    finishedAt: operation.finishedAt,
    ...(operation.finishedAt === undefined
      ? {}
      : { durationMs: operation.finishedAt - operation.enqueuedAt }),
  };
}
