import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { AsyncInvocationStore, ClaimedAsyncInvocation } from "../async-invocation-ports.ts";
import { type AsyncInvocationRow, appendAttempt, toAsyncInvocation } from "../async-invocation-rows.ts";
import { DB_NOW_MS, transaction } from "./database.ts";

export function createPostgresAsyncInvocationStore(pool: pg.Pool): AsyncInvocationStore {
  return {
    enqueue(input) {
      return transaction(pool, async (client) => {
        if (input.idempotencyKey !== undefined) {
          // Two nodes enqueueing one key serialize here; the second finds the first's row.
          await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
            `async-key:${input.app}/${input.functionName}/${input.idempotencyKey}`,
          ]);
          const { rows } = await client.query<AsyncInvocationRow>(
            `SELECT * FROM async_invocations
             WHERE app = $1 AND function_name = $2 AND idempotency_key = $3 AND created_at > ${DB_NOW_MS} - $4
             ORDER BY created_at DESC LIMIT 1`,
            [input.app, input.functionName, input.idempotencyKey, input.idempotencyWindowMs],
          );
          if (rows[0]) return { invocation: toAsyncInvocation(rows[0]), duplicate: true };
        }
        const { rows } = await client.query<AsyncInvocationRow>(
          `INSERT INTO async_invocations
             (id, app, function_name, payload, idempotency_key, status, created_at, next_attempt_at,
              max_attempts, expires_at, cloud_event, qualifier)
           VALUES ($1, $2, $3, $4, $5, 'queued', ${DB_NOW_MS}, ${DB_NOW_MS}, $6, ${DB_NOW_MS} + $7, $8, $9)
           RETURNING *`,
          [
            randomUUID(),
            input.app,
            input.functionName,
            Buffer.from(input.payload),
            input.idempotencyKey ?? null,
            input.maxAttempts,
            input.maxEventAgeMs,
            input.cloudEvent ?? null,
            input.qualifier ?? null,
          ],
        );
        return { invocation: toAsyncInvocation(rows[0] as AsyncInvocationRow), duplicate: false };
      });
    },

    async claimDue(limit, claimMs) {
      // Nodes claim disjoint rows without waiting for each other.
      const { rows } = await pool.query<AsyncInvocationRow>(
        `UPDATE async_invocations SET status = 'running', claimed_until = ${DB_NOW_MS} + $2,
           claim_token = claim_token + 1
         WHERE id IN (
           SELECT id FROM async_invocations
           WHERE (status = 'queued' AND next_attempt_at <= ${DB_NOW_MS})
              OR (status = 'running' AND claimed_until <= ${DB_NOW_MS})
           ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [limit, claimMs],
      );
      return rows.map(
        (row): ClaimedAsyncInvocation => ({
          invocation: toAsyncInvocation(row),
          claimToken: Number(row.claim_token),
        }),
      );
    },

    recordAttempt(id, claimToken, attempt, next) {
      return transaction(pool, async (client) => {
        const { rows } = await client.query<AsyncInvocationRow>(
          "SELECT * FROM async_invocations WHERE id = $1 AND claim_token = $2 AND status = 'running' FOR UPDATE",
          [id, claimToken],
        );
        const row = rows[0];
        if (!row) return false;
        const attempts = appendAttempt(row.attempts, attempt);
        if (next.kind === "retry") {
          await client.query(
            `UPDATE async_invocations SET status = 'queued', next_attempt_at = ${DB_NOW_MS} + $2,
               claimed_until = 0, counted_attempts = counted_attempts + $3, attempts = $4
             WHERE id = $1`,
            [id, next.delayMs, next.counted ? 1 : 0, attempts],
          );
        } else {
          await client.query(
            `UPDATE async_invocations SET status = $2, final_reason = $3, claimed_until = 0,
               counted_attempts = counted_attempts + 1, attempts = $4
             WHERE id = $1`,
            [id, next.status, next.reason ?? null, attempts],
          );
        }
        return true;
      });
    },

    async get(id) {
      const { rows } = await pool.query<AsyncInvocationRow>("SELECT * FROM async_invocations WHERE id = $1", [
        id,
      ]);
      return rows[0] && toAsyncInvocation(rows[0]);
    },

    async list(query) {
      const { rows } =
        query.functionName === undefined
          ? await pool.query<AsyncInvocationRow>(
              "SELECT * FROM async_invocations WHERE app = $1 ORDER BY created_at DESC, id LIMIT $2",
              [query.app, query.limit],
            )
          : await pool.query<AsyncInvocationRow>(
              `SELECT * FROM async_invocations WHERE app = $1 AND function_name = $2
               ORDER BY created_at DESC, id LIMIT $3`,
              [query.app, query.functionName, query.limit],
            );
      return rows.map(toAsyncInvocation);
    },
  };
}
