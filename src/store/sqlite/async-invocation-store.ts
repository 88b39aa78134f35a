import { randomUUID } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import type { AsyncInvocationStore, ClaimedAsyncInvocation } from "../async-invocation-ports.ts";
import { type AsyncInvocationRow, appendAttempt, toAsyncInvocation } from "../async-invocation-rows.ts";
import { transaction } from "./database.ts";

/** One writer (BEGIN IMMEDIATE): a claim's select-then-update cannot interleave with another. */
export function createSqliteAsyncInvocationStore(db: DatabaseSync): AsyncInvocationStore {
  const findByKey = db.prepare(
    `SELECT * FROM async_invocations
     WHERE app = :app AND function_name = :fn AND idempotency_key = :key AND created_at > :since
     ORDER BY created_at DESC LIMIT 1`,
  );
  const insert = db.prepare(
    `INSERT INTO async_invocations
       (id, app, function_name, payload, idempotency_key, cloud_event, status, created_at, next_attempt_at,
        max_attempts, expires_at, qualifier)
     VALUES (:id, :app, :fn, :payload, :key, :event, 'queued', :now, :now, :max, :expires, :qualifier)
     RETURNING *`,
  );
  const due = db.prepare(
    `SELECT id FROM async_invocations
     WHERE (status = 'queued' AND next_attempt_at <= :now) OR (status = 'running' AND claimed_until <= :now)
     ORDER BY next_attempt_at LIMIT :limit`,
  );
  const claim = db.prepare(
    `UPDATE async_invocations SET status = 'running', claimed_until = :until, claim_token = claim_token + 1
     WHERE id = :id RETURNING *`,
  );
  const current = db.prepare(
    "SELECT * FROM async_invocations WHERE id = :id AND claim_token = :token AND status = 'running'",
  );
  const retry = db.prepare(
    `UPDATE async_invocations SET status = 'queued', next_attempt_at = :next, claimed_until = 0,
       counted_attempts = counted_attempts + :counted, attempts = :attempts
     WHERE id = :id`,
  );
  const finish = db.prepare(
    `UPDATE async_invocations SET status = :status, final_reason = :reason, claimed_until = 0,
       counted_attempts = counted_attempts + 1, attempts = :attempts
     WHERE id = :id`,
  );
  const byId = db.prepare("SELECT * FROM async_invocations WHERE id = ?");
  const byApp = db.prepare(
    "SELECT * FROM async_invocations WHERE app = ? ORDER BY created_at DESC, id LIMIT ?",
  );
  const byFunction = db.prepare(
    "SELECT * FROM async_invocations WHERE app = ? AND function_name = ? ORDER BY created_at DESC, id LIMIT ?",
  );

  return {
    async enqueue(input) {
      return transaction(db, () => {
        const now = Date.now();
        if (input.idempotencyKey !== undefined) {
          const seen = findByKey.get({
            app: input.app,
            fn: input.functionName,
            key: input.idempotencyKey,
            since: now - input.idempotencyWindowMs,
          }) as AsyncInvocationRow | undefined;
          if (seen) return { invocation: toAsyncInvocation(seen), duplicate: true };
        }
        const row = insert.get({
          id: randomUUID(),
          app: input.app,
          fn: input.functionName,
          payload: input.payload,
          key: input.idempotencyKey ?? null,
          event: input.cloudEvent ?? null,
          now,
          max: input.maxAttempts,
          expires: now + input.maxEventAgeMs,
          qualifier: input.qualifier ?? null,
        }) as unknown as AsyncInvocationRow;
        return { invocation: toAsyncInvocation(row), duplicate: false };
      });
    },

    async claimDue(limit, claimMs) {
      return transaction(db, () => {
        const now = Date.now();
        const ids = due.all({ now, limit }) as unknown as { id: string }[];
        return ids.map(({ id }): ClaimedAsyncInvocation => {
          const row = claim.get({ id, until: now + claimMs }) as unknown as AsyncInvocationRow;
          return { invocation: toAsyncInvocation(row), claimToken: Number(row.claim_token) };
        });
      });
    },

    async recordAttempt(id, claimToken, attempt, next) {
      return transaction(db, () => {
        const row = current.get({ id, token: claimToken }) as AsyncInvocationRow | undefined;
        if (!row) return false;
        const attempts = appendAttempt(row.attempts, attempt);
        if (next.kind === "retry") {
          retry.run({ id, next: Date.now() + next.delayMs, counted: next.counted ? 1 : 0, attempts });
        } else {
          finish.run({ id, status: next.status, reason: next.reason ?? null, attempts });
        }
        return true;
      });
    },

    async get(id) {
      const row = byId.get(id) as AsyncInvocationRow | undefined;
      return row && toAsyncInvocation(row);
    },

    async list(query) {
      const rows = (query.functionName === undefined
        ? byApp.all(query.app, query.limit)
        : byFunction.all(query.app, query.functionName, query.limit)) as unknown as AsyncInvocationRow[];
      return rows.map(toAsyncInvocation);
    },
  };
}
