// Row shapes of the entity tables and the SQL both adapters share (it is plain SQL that
// SQLite and PostgreSQL read alike; the placeholders differ, so each adapter numbers them).
import type { EntityOperation, EntityRecord } from "./entity-ports.ts";

export interface EntityStateRow {
  app: string;
  entity: string;
  key: string;
  state: string | null;
  version: number;
  queued: number;
  claim_token: number;
  created_at: number;
  updated_at: number;
}

export interface EntityOperationRow {
  seq: number;
  app: string;
  entity: string;
  key: string;
  operation_id: string;
  operation: string;
  input: string;
  kind: string;
  status: string;
  output: string | null;
  error: string | null;
  attempts: number;
  enqueued_at: number;
  finished_at: number | null;
}

/** A state row with its count of queued operations. */
export const SELECT_ENTITY = `SELECT s.app, s.entity, s.key, s.state, s.version, s.claim_token, s.created_at,
  s.updated_at, (SELECT COUNT(*) FROM entity_operations o WHERE o.app = s.app AND o.entity = s.entity
    AND o.key = s.key AND o.status = 'queued') AS queued
  FROM entity_states s`;

export function toEntityRecord(row: EntityStateRow): EntityRecord {
  return {
    app: row.app,
    entity: row.entity,
    key: row.key,
    state: row.state ?? undefined,
    version: Number(row.version),
    queued: Number(row.queued),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function toEntityOperation(row: EntityOperationRow): EntityOperation {
  return {
    seq: Number(row.seq),
    app: row.app,
    entity: row.entity,
    key: row.key,
    operationId: row.operation_id,
    operation: row.operation,
    input: row.input,
    kind: row.kind === "signal" ? "signal" : "call",
    status: row.status === "done" ? "done" : "queued",
    output: row.output ?? undefined,
    error: row.error ?? undefined,
    attempts: Number(row.attempts),
    enqueuedAt: Number(row.enqueued_at),
    finishedAt: row.finished_at === null ? undefined : Number(row.finished_at),
  };
}
