import type { DatabaseSync } from "node:sqlite";
import { type ClaimedEntity, type EntityStore, OPERATIONS_KEPT } from "../entity-ports.ts";
import {
  type EntityOperationRow,
  type EntityStateRow,
  SELECT_ENTITY,
  toEntityOperation,
  toEntityRecord,
} from "../entity-rows.ts";
import { transaction } from "./database.ts";

const KEY = "app = ? AND entity = ? AND key = ?";

/** One writer (BEGIN IMMEDIATE): a claim's select-then-update cannot interleave with another. */
export function createSqliteEntityStore(db: DatabaseSync): EntityStore {
  const createState = db.prepare(
    `INSERT INTO entity_states (app, entity, key, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (app, entity, key) DO NOTHING`,
  );
  const insertOperation = db.prepare(
    `INSERT INTO entity_operations (app, entity, key, operation_id, operation, input, kind, status, enqueued_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?) ON CONFLICT (app, entity, key, operation_id) DO NOTHING`,
  );
  const makeDue = db.prepare(`UPDATE entity_states SET due_at = COALESCE(due_at, ?) WHERE ${KEY}`);
  const select = db.prepare(`${SELECT_ENTITY} WHERE s.app = ? AND s.entity = ? AND s.key = ?`);
  const listAll = db.prepare(`${SELECT_ENTITY} WHERE s.app = ? ORDER BY s.entity, s.key LIMIT ?`);
  const listOne = db.prepare(`${SELECT_ENTITY} WHERE s.app = ? AND s.entity = ? ORDER BY s.key LIMIT ?`);
  const operation = db.prepare(`SELECT * FROM entity_operations WHERE ${KEY} AND operation_id = ?`);
  const history = db.prepare(`SELECT * FROM entity_operations WHERE ${KEY} ORDER BY seq DESC LIMIT ?`);
  const due = db.prepare(
    `SELECT app, entity, key FROM entity_states
     WHERE due_at IS NOT NULL AND due_at <= ? AND claimed_until <= ? ORDER BY due_at LIMIT ?`,
  );
  const claim = db.prepare(
    `UPDATE entity_states SET claimed_until = ?, claim_token = claim_token + 1 WHERE ${KEY}`,
  );
  const queued = db.prepare(
    `SELECT * FROM entity_operations WHERE ${KEY} AND status = 'queued' ORDER BY seq LIMIT ?`,
  );
  const token = db.prepare(`SELECT claim_token FROM entity_states WHERE ${KEY}`);
  const extend = db.prepare(`UPDATE entity_states SET claimed_until = ? WHERE ${KEY} AND claim_token = ?`);
  const complete = db.prepare(
    `UPDATE entity_operations SET status = 'done', output = ?, error = ?, finished_at = ?
     WHERE ${KEY} AND operation_id = ? AND status = 'queued'`,
  );
  const anyQueued = db.prepare(
    `SELECT 1 AS found FROM entity_operations WHERE ${KEY} AND status = 'queued' LIMIT 1`,
  );
  const finish = db.prepare(
    `UPDATE entity_states SET state = COALESCE(?, state), version = version + ?, due_at = ?, claimed_until = 0,
       claim_token = claim_token + 1,
       updated_at = ? WHERE ${KEY}`,
  );
  const prune = db.prepare(
    `DELETE FROM entity_operations WHERE ${KEY} AND status = 'done' AND seq <= (
       SELECT seq FROM entity_operations WHERE ${KEY} AND status = 'done' ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
  );
  const attempt = db.prepare(
    `UPDATE entity_operations SET attempts = attempts + 1 WHERE ${KEY} AND operation_id = ?`,
  );
  const releaseClaim = db.prepare(
    `UPDATE entity_states SET due_at = ?, claimed_until = 0, claim_token = claim_token + 1, updated_at = ? WHERE ${KEY}`,
  );
  const nextDue = db.prepare("SELECT MIN(due_at) AS due FROM entity_states WHERE due_at IS NOT NULL");

  const recordOf = (app: string, entity: string, key: string) => {
    const row = select.get(app, entity, key) as unknown as EntityStateRow | undefined;
    return row ? toEntityRecord(row) : undefined;
  };
  const currentToken = (app: string, entity: string, key: string) =>
    (token.get(app, entity, key) as { claim_token: number } | undefined)?.claim_token;

  return {
    async enqueue(input) {
      return transaction(db, () => {
        const { app, entity, key } = input;
        createState.run(app, entity, key, input.nowMs, input.nowMs);
        const stored = insertOperation.run(
          app,
          entity,
          key,
          input.operationId,
          input.operation,
          input.input,
          input.kind,
          input.nowMs,
        );
        if (stored.changes === 1) makeDue.run(input.nowMs, app, entity, key);
        const row = operation.get(app, entity, key, input.operationId) as unknown as EntityOperationRow;
        return { operation: toEntityOperation(row), duplicate: stored.changes === 0 };
      });
    },
    async get({ app, entity, key }) {
      return recordOf(app, entity, key);
    },
    async list(app, entity, limit) {
      const rows = entity === undefined ? listAll.all(app, limit) : listOne.all(app, entity, limit);
      return (rows as unknown as EntityStateRow[]).map(toEntityRecord);
    },
    async operation({ app, entity, key }, operationId) {
      const row = operation.get(app, entity, key, operationId) as unknown as EntityOperationRow | undefined;
      return row ? toEntityOperation(row) : undefined;
    },
    async history({ app, entity, key }, limit) {
      return (history.all(app, entity, key, limit) as unknown as EntityOperationRow[]).map(toEntityOperation);
    },
    async claimDue(nowMs, limit, batch, claimMs) {
      return transaction(db, () => {
        const keys = due.all(nowMs, nowMs, limit) as unknown as {
          app: string;
          entity: string;
          key: string;
        }[];
        return keys.map(({ app, entity, key }): ClaimedEntity => {
          claim.run(nowMs + claimMs, app, entity, key);
          const row = select.get(app, entity, key) as unknown as EntityStateRow;
          const operations = queued.all(app, entity, key, batch) as unknown as EntityOperationRow[];
          return {
            entity: toEntityRecord(row),
            claimToken: Number(row.claim_token),
            operations: operations.map(toEntityOperation),
          };
        });
      });
    },
    async extendClaim({ app, entity, key }, claimToken, claimedUntilMs) {
      return extend.run(claimedUntilMs, app, entity, key, claimToken).changes === 1;
    },
    async commit(commit) {
      const { app, entity, key } = commit;
      return transaction(db, () => {
        if (currentToken(app, entity, key) !== commit.claimToken) return false;
        for (const result of commit.results) {
          complete.run(
            result.output ?? null,
            result.error ?? null,
            commit.nowMs,
            app,
            entity,
            key,
            result.operationId,
          );
        }
        const more = anyQueued.get(app, entity, key) !== undefined;
        finish.run(
          commit.state ?? null,
          commit.results.length,
          more ? commit.nowMs : null,
          commit.nowMs,
          app,
          entity,
          key,
        );
        prune.run(app, entity, key, app, entity, key, OPERATIONS_KEPT);
        return true;
      });
    },
    async release({ app, entity, key }, claimToken, failedOperationIds, dueAt, nowMs) {
      return transaction(db, () => {
        if (currentToken(app, entity, key) !== claimToken) return false;
        for (const id of failedOperationIds) attempt.run(app, entity, key, id);
        releaseClaim.run(dueAt, nowMs, app, entity, key);
        return true;
      });
    },
    async nextDueAt() {
      const row = nextDue.get() as unknown as { due: number | null };
      return row.due === null ? undefined : Number(row.due);
    },
  };
}
