import type pg from "pg";
import { type ClaimedEntity, type EntityRef, type EntityStore, OPERATIONS_KEPT } from "../entity-ports.ts";
import {
  type EntityOperationRow,
  type EntityStateRow,
  SELECT_ENTITY,
  toEntityOperation,
  toEntityRecord,
} from "../entity-rows.ts";
import { transaction } from "./database.ts";

const KEY = "app = $1 AND entity = $2 AND key = $3";
const keyOf = (ref: EntityRef) => [ref.app, ref.entity, ref.key];

async function operationRow(
  db: pg.Pool | pg.PoolClient,
  ref: EntityRef,
  operationId: string,
): Promise<EntityOperationRow | undefined> {
  const { rows } = await db.query<EntityOperationRow>(
    `SELECT * FROM entity_operations WHERE ${KEY} AND operation_id = $4`,
    [...keyOf(ref), operationId],
  );
  return rows[0];
}

/** The key's state row, locked for this transaction; undefined when the token is not current. */
async function lockClaimed(client: pg.PoolClient, ref: EntityRef, claimToken: number): Promise<boolean> {
  const { rows } = await client.query<{ claim_token: number }>(
    `SELECT claim_token FROM entity_states WHERE ${KEY} FOR UPDATE`,
    keyOf(ref),
  );
  return rows[0] !== undefined && Number(rows[0].claim_token) === claimToken;
}

/** Claims take key rows with FOR UPDATE SKIP LOCKED, so nodes share due keys without waiting. */
export function createPostgresEntityStore(pool: pg.Pool): EntityStore {
  return {
    async enqueue(input) {
      return transaction(pool, async (client) => {
        await client.query(
          `INSERT INTO entity_states (app, entity, key, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
           ON CONFLICT (app, entity, key) DO NOTHING`,
          [...keyOf(input), input.nowMs],
        );
        const stored = await client.query(
          `INSERT INTO entity_operations (app, entity, key, operation_id, operation, input, kind, status, enqueued_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8)
           ON CONFLICT (app, entity, key, operation_id) DO NOTHING`,
          [...keyOf(input), input.operationId, input.operation, input.input, input.kind, input.nowMs],
        );
        const created = stored.rowCount === 1;
        if (created) {
          await client.query(`UPDATE entity_states SET due_at = COALESCE(due_at, $4) WHERE ${KEY}`, [
            ...keyOf(input),
            input.nowMs,
          ]);
        }
        const row = (await operationRow(client, input, input.operationId)) as EntityOperationRow;
        return { operation: toEntityOperation(row), duplicate: !created };
      });
    },
    async get(ref) {
      const { rows } = await pool.query<EntityStateRow>(
        `${SELECT_ENTITY} WHERE s.app = $1 AND s.entity = $2 AND s.key = $3`,
        keyOf(ref),
      );
      return rows[0] ? toEntityRecord(rows[0]) : undefined;
    },
    async list(app, entity, limit) {
      const { rows } = await pool.query<EntityStateRow>(
        `${SELECT_ENTITY} WHERE s.app = $1 AND ($2::text IS NULL OR s.entity = $2)
         ORDER BY s.entity, s.key LIMIT $3`,
        [app, entity ?? null, limit],
      );
      return rows.map(toEntityRecord);
    },
    async operation(ref, operationId) {
      const row = await operationRow(pool, ref, operationId);
      return row ? toEntityOperation(row) : undefined;
    },
    async history(ref, limit) {
      const { rows } = await pool.query<EntityOperationRow>(
        `SELECT * FROM entity_operations WHERE ${KEY} ORDER BY seq DESC LIMIT $4`,
        [...keyOf(ref), limit],
      );
      return rows.map(toEntityOperation);
    },
    async claimDue(nowMs, limit, batch, claimMs) {
      return transaction(pool, async (client) => {
        const { rows } = await client.query<{ app: string; entity: string; key: string }>(
          `UPDATE entity_states SET claimed_until = $2, claim_token = claim_token + 1
           WHERE (app, entity, key) IN (SELECT app, entity, key FROM entity_states
             WHERE due_at IS NOT NULL AND due_at <= $1 AND claimed_until <= $1
             ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED)
           RETURNING app, entity, key`,
          [nowMs, nowMs + claimMs, limit],
        );
        const claimed: ClaimedEntity[] = [];
        for (const ref of rows) {
          const state = await client.query<EntityStateRow>(
            `${SELECT_ENTITY} WHERE s.app = $1 AND s.entity = $2 AND s.key = $3`,
            keyOf(ref),
          );
          const operations = await client.query<EntityOperationRow>(
            `SELECT * FROM entity_operations WHERE ${KEY} AND status = 'queued' ORDER BY seq LIMIT $4`,
            [...keyOf(ref), batch],
          );
          const row = state.rows[0] as EntityStateRow;
          claimed.push({
            entity: toEntityRecord(row),
            claimToken: Number(row.claim_token),
            operations: operations.rows.map(toEntityOperation),
          });
        }
        return claimed;
      });
    },
    async extendClaim(ref, claimToken, claimedUntilMs) {
      const { rowCount } = await pool.query(
        `UPDATE entity_states SET claimed_until = $4 WHERE ${KEY} AND claim_token = $5`,
        [...keyOf(ref), claimedUntilMs, claimToken],
      );
      return rowCount === 1;
    },
    async commit(commit) {
      return transaction(pool, async (client) => {
        if (!(await lockClaimed(client, commit, commit.claimToken))) return false;
        for (const result of commit.results) {
          await client.query(
            `UPDATE entity_operations SET status = 'done', output = $5, error = $6, finished_at = $7
             WHERE ${KEY} AND operation_id = $4 AND status = 'queued'`,
            [...keyOf(commit), result.operationId, result.output ?? null, result.error ?? null, commit.nowMs],
          );
        }
        const more = await client.query(
          `SELECT 1 FROM entity_operations WHERE ${KEY} AND status = 'queued' LIMIT 1`,
          keyOf(commit),
        );
        await client.query(
          `UPDATE entity_states SET state = COALESCE($4, state), version = version + $5, due_at = $6,
             claimed_until = 0, claim_token = claim_token + 1, updated_at = $7 WHERE ${KEY}`,
          [
            ...keyOf(commit),
            commit.state ?? null,
            commit.results.length,
            (more.rowCount ?? 0) > 0 ? commit.nowMs : null,
            commit.nowMs,
          ],
        );
        await client.query(
          `DELETE FROM entity_operations WHERE ${KEY} AND status = 'done' AND seq <= (
             SELECT seq FROM entity_operations WHERE ${KEY} AND status = 'done' ORDER BY seq DESC
             LIMIT 1 OFFSET $4)`,
          [...keyOf(commit), OPERATIONS_KEPT],
        );
        return true;
      });
    },
    async release(ref, claimToken, failedOperationIds, dueAt, nowMs) {
      return transaction(pool, async (client) => {
        if (!(await lockClaimed(client, ref, claimToken))) return false;
        if (failedOperationIds.length > 0) {
          await client.query(
            `UPDATE entity_operations SET attempts = attempts + 1
             WHERE ${KEY} AND operation_id = ANY($4::text[])`,
            [...keyOf(ref), failedOperationIds],
          );
        }
        await client.query(
          `UPDATE entity_states SET due_at = $4, claimed_until = 0, claim_token = claim_token + 1, updated_at = $5 WHERE ${KEY}`,
          [...keyOf(ref), dueAt, nowMs],
        );
        return true;
      });
    },
    async nextDueAt() {
      const { rows } = await pool.query<{ due: number | null }>(
        "SELECT MIN(due_at) AS due FROM entity_states WHERE due_at IS NOT NULL",
      );
      const due = rows[0]?.due;
      return due === null || due === undefined ? undefined : Number(due);
    },
  };
}
