import type pg from "pg";
import type { ClaimedWorkflow, WorkflowInstance, WorkflowStore } from "../workflow-ports.ts";
import {
  childResultEvent,
  childResultOf,
  isFailedStep,
  JOURNAL_COLUMNS,
  type JournalRow,
  journalValues,
  toJournalEntry,
  toWorkflowEvent,
  toWorkflowInstance,
  type WorkflowEventRow,
  type WorkflowInstanceRow,
} from "../workflow-rows.ts";
import { transaction } from "./database.ts";

const UPSERT_JOURNAL = `INSERT INTO workflow_journal (${JOURNAL_COLUMNS})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
  ON CONFLICT (instance_id, key) DO UPDATE SET seq = excluded.seq, state = excluded.state,
    output = excluded.output, error = excluded.error, attempts = excluded.attempts,
    wake_at = excluded.wake_at, finished_at = excluded.finished_at`;

async function instanceOf(db: pg.Pool | pg.PoolClient, id: string): Promise<WorkflowInstance | undefined> {
  const { rows } = await db.query<WorkflowInstanceRow>("SELECT * FROM workflow_instances WHERE id = $1", [
    id,
  ]);
  return rows[0] ? toWorkflowInstance(rows[0]) : undefined;
}

/** A child that ended tells its parent, in the transaction that ended it. */
async function notifyParent(
  client: pg.PoolClient,
  row: WorkflowInstanceRow,
  status: string,
  nowMs: number,
  output?: string,
  error?: string,
): Promise<void> {
  const result = childResultOf(status, output, error);
  const event = result && childResultEvent(row, result);
  if (!event) return;
  const stored = await client.query(
    `INSERT INTO workflow_events (instance_id, event_id, name, payload, sent_at)
     SELECT $1, $2, $3, $4, $5 WHERE EXISTS
       (SELECT 1 FROM workflow_instances WHERE id = $1 AND status = 'running')
     ON CONFLICT (instance_id, event_id) DO NOTHING`,
    [event.instanceId, event.eventId, event.name, event.payload, nowMs],
  );
  if (stored.rowCount === 1) {
    await client.query(
      "UPDATE workflow_instances SET due_at = LEAST(COALESCE(due_at, $1), $1), updated_at = $1 WHERE id = $2",
      [nowMs, event.instanceId],
    );
  }
}

/** Claims take rows with FOR UPDATE SKIP LOCKED, so nodes share due instances without waiting. */
export function createPostgresWorkflowStore(pool: pg.Pool): WorkflowStore {
  return {
    async start(input) {
      const { rowCount } = await pool.query(
        `INSERT INTO workflow_instances (id, app, workflow, status, input, due_at, created_at, updated_at,
           version, parent_id, parent_key, correlation_key)
         VALUES ($1, $2, $3, 'running', $4, $5, $5, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
        [
          input.id,
          input.app,
          input.workflow,
          input.input,
          input.nowMs,
          input.version ?? null,
          input.parentId ?? null,
          input.parentKey ?? null,
          input.correlationKey ?? null,
        ],
      );
      return { instance: (await instanceOf(pool, input.id)) as WorkflowInstance, created: rowCount === 1 };
    },
    get: (id) => instanceOf(pool, id),
    async list(app, workflow, limit) {
      const { rows } = await pool.query<WorkflowInstanceRow>(
        `SELECT * FROM workflow_instances WHERE app = $1 AND ($2::text IS NULL OR workflow = $2)
         ORDER BY created_at DESC, id DESC LIMIT $3`,
        [app, workflow ?? null, limit],
      );
      return rows.map(toWorkflowInstance);
    },
    async journal(id) {
      const { rows } = await pool.query<JournalRow>(
        "SELECT * FROM workflow_journal WHERE instance_id = $1 ORDER BY seq",
        [id],
      );
      return rows.map(toJournalEntry);
    },
    async events(id) {
      const { rows } = await pool.query<WorkflowEventRow>(
        "SELECT * FROM workflow_events WHERE instance_id = $1 ORDER BY seq",
        [id],
      );
      return rows.map(toWorkflowEvent);
    },
    async claimDue(nowMs, limit, claimMs) {
      return transaction(pool, async (client) => {
        const { rows } = await client.query<WorkflowInstanceRow>(
          `UPDATE workflow_instances SET claimed_until = $2, claim_token = claim_token + 1,
             invocations = invocations + 1
           WHERE id IN (SELECT id FROM workflow_instances
             WHERE status = 'running' AND due_at IS NOT NULL AND due_at <= $1 AND claimed_until <= $1
             ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED)
           RETURNING *`,
          [nowMs, nowMs + claimMs, limit],
        );
        const claimed: ClaimedWorkflow[] = [];
        for (const row of rows) {
          const journal = await client.query<JournalRow>(
            "SELECT * FROM workflow_journal WHERE instance_id = $1 ORDER BY seq",
            [row.id],
          );
          const events = await client.query<WorkflowEventRow>(
            "SELECT * FROM workflow_events WHERE instance_id = $1 AND NOT consumed ORDER BY seq",
            [row.id],
          );
          claimed.push({
            instance: toWorkflowInstance(row),
            claimToken: Number(row.claim_token),
            journal: journal.rows.map(toJournalEntry),
            events: events.rows.map(toWorkflowEvent),
          });
        }
        return claimed;
      });
    },
    async extendClaim(id, claimToken, claimedUntilMs) {
      const { rowCount } = await pool.query(
        "UPDATE workflow_instances SET claimed_until = $1 WHERE id = $2 AND claim_token = $3 AND status = 'running'",
        [claimedUntilMs, id, claimToken],
      );
      return rowCount === 1;
    },
    async commit(commit) {
      return transaction(pool, async (client) => {
        const { rows } = await client.query<WorkflowInstanceRow>(
          "SELECT * FROM workflow_instances WHERE id = $1 FOR UPDATE",
          [commit.instanceId],
        );
        const row = rows[0];
        if (!row || Number(row.claim_token) !== commit.claimToken || row.status !== "running") return false;
        if (commit.continueAsNewInput !== undefined) {
          await client.query("DELETE FROM workflow_journal WHERE instance_id = $1", [commit.instanceId]);
          await client.query("UPDATE workflow_instances SET input = $1 WHERE id = $2", [
            commit.continueAsNewInput,
            commit.instanceId,
          ]);
        } else {
          for (const entry of commit.entries) {
            await client.query(UPSERT_JOURNAL, journalValues(commit.instanceId, entry));
          }
        }
        if (commit.consumedEventIds.length > 0) {
          await client.query(
            "UPDATE workflow_events SET consumed = TRUE WHERE instance_id = $1 AND event_id = ANY($2::text[])",
            [commit.instanceId, commit.consumedEventIds],
          );
        }
        if (commit.customStatus !== undefined) {
          await client.query("UPDATE workflow_instances SET custom_status = $1 WHERE id = $2", [
            commit.customStatus,
            commit.instanceId,
          ]);
        }
        // An event that arrived during the invocation was not seen by it, nor a cancel asked
        // for meanwhile: run again at once.
        let dueAt = commit.continueAsNewInput !== undefined ? commit.nowMs : commit.dueAt;
        if (commit.status === "running" && row.cancel_reason !== null && commit.cancelSeen !== true) {
          dueAt = commit.nowMs;
        }
        if (commit.status === "running") {
          const newer = await client.query(
            "SELECT 1 FROM workflow_events WHERE instance_id = $1 AND NOT consumed AND seq > $2 LIMIT 1",
            [commit.instanceId, commit.eventsSeenSeq],
          );
          if ((newer.rowCount ?? 0) > 0) dueAt = commit.nowMs;
        }
        await client.query(
          `UPDATE workflow_instances SET status = $1, output = $2, error = $3, due_at = $4, claimed_until = 0,
             events_seen_seq = $5, updated_at = $6 WHERE id = $7`,
          [
            commit.status,
            commit.output ?? null,
            commit.error ?? null,
            commit.status === "running" ? (dueAt ?? null) : null,
            commit.eventsSeenSeq,
            commit.nowMs,
            commit.instanceId,
          ],
        );
        await notifyParent(client, row, commit.status, commit.nowMs, commit.output, commit.error);
        return true;
      });
    },
    async sendEvent(input) {
      return transaction(pool, async (client) => {
        const { rows } = await client.query<WorkflowInstanceRow>(
          "SELECT * FROM workflow_instances WHERE id = $1 FOR UPDATE",
          [input.instanceId],
        );
        const row = rows[0];
        if (!row) return { duplicate: false, instance: undefined };
        if (row.status !== "running") {
          const known = await client.query(
            "SELECT 1 FROM workflow_events WHERE instance_id = $1 AND event_id = $2",
            [input.instanceId, input.eventId],
          );
          return { duplicate: (known.rowCount ?? 0) > 0, instance: toWorkflowInstance(row) };
        }
        const stored = await client.query(
          `INSERT INTO workflow_events (instance_id, event_id, name, payload, sent_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (instance_id, event_id) DO NOTHING`,
          [input.instanceId, input.eventId, input.name, input.payload, input.nowMs],
        );
        const duplicate = stored.rowCount !== 1;
        if (!duplicate) {
          await client.query(
            "UPDATE workflow_instances SET due_at = LEAST(COALESCE(due_at, $1), $1), updated_at = $1 WHERE id = $2",
            [input.nowMs, input.instanceId],
          );
        }
        return { duplicate, instance: await instanceOf(client, input.instanceId) };
      });
    },
    async cancel(id, reason, nowMs) {
      return transaction(pool, async (client) => {
        const { rows } = await client.query<WorkflowInstanceRow>(
          `UPDATE workflow_instances SET status = 'cancelled', error = $1, due_at = NULL, claimed_until = 0,
             claim_token = claim_token + 1, updated_at = $2 WHERE id = $3 AND status = 'running' RETURNING *`,
          [reason, nowMs, id],
        );
        const row = rows[0];
        if (!row) return false;
        await notifyParent(client, row, "cancelled", nowMs, undefined, reason);
        return true;
      });
    },
    async requestCancel(id, reason, nowMs) {
      const { rowCount } = await pool.query(
        `UPDATE workflow_instances SET cancel_reason = $1, due_at = $2, updated_at = $2
         WHERE id = $3 AND status = 'running'`,
        [reason, nowMs, id],
      );
      return rowCount === 1;
    },
    async findByCorrelationKey(app, correlationKey, workflow) {
      const { rows } = await pool.query<{ id: string }>(
        `SELECT id FROM workflow_instances WHERE app = $1 AND correlation_key = $2 AND status = 'running'
           AND ($3::text IS NULL OR workflow = $3) ORDER BY created_at, id`,
        [app, correlationKey, workflow ?? null],
      );
      return rows.map((row) => row.id);
    },
    async retry(id, nowMs, version) {
      return transaction(pool, async (client) => {
        const { rows } = await client.query<WorkflowInstanceRow>(
          "SELECT * FROM workflow_instances WHERE id = $1 FOR UPDATE",
          [id],
        );
        const row = rows[0];
        if (!row || (row.status !== "failed" && row.status !== "parked")) return false;
        const last = await client.query<JournalRow>(
          "SELECT * FROM workflow_journal WHERE instance_id = $1 ORDER BY seq DESC LIMIT 1",
          [id],
        );
        const entry = last.rows[0];
        if (row.status === "failed" && entry && isFailedStep(entry)) {
          await client.query("DELETE FROM workflow_journal WHERE instance_id = $1 AND key = $2", [
            id,
            entry.key,
          ]);
        }
        await client.query(
          `UPDATE workflow_instances SET status = 'running', error = NULL, due_at = $1, claimed_until = 0,
             claim_token = claim_token + 1, updated_at = $1, version = COALESCE($3, version) WHERE id = $2`,
          [nowMs, id, version ?? null],
        );
        return true;
      });
    },
    async nextDueAt() {
      const { rows } = await pool.query<{ due: number | null }>(
        "SELECT MIN(due_at) AS due FROM workflow_instances WHERE status = 'running' AND due_at IS NOT NULL",
      );
      const due = rows[0]?.due;
      return due === null || due === undefined ? undefined : Number(due);
    },
  };
}
