import type { DatabaseSync } from "node:sqlite";
import type { ClaimedWorkflow, WorkflowStore } from "../workflow-ports.ts";
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

/** One writer (BEGIN IMMEDIATE): a claim's select-then-update cannot interleave with another. */
export function createSqliteWorkflowStore(db: DatabaseSync): WorkflowStore {
  const insert = db.prepare(
    `INSERT INTO workflow_instances (id, app, workflow, status, input, due_at, created_at, updated_at,
       version, parent_id, parent_key, correlation_key)
     VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
  );
  const byCorrelation = db.prepare(
    `SELECT id FROM workflow_instances WHERE app = ? AND correlation_key = ? AND status = 'running'
       AND (? IS NULL OR workflow = ?) ORDER BY created_at, id`,
  );
  const requestCancel = db.prepare(
    `UPDATE workflow_instances SET cancel_reason = ?, due_at = ?, updated_at = ?
     WHERE id = ? AND status = 'running'`,
  );
  const setCustomStatus = db.prepare("UPDATE workflow_instances SET custom_status = ? WHERE id = ?");
  const setVersion = db.prepare("UPDATE workflow_instances SET version = ? WHERE id = ?");
  const select = db.prepare("SELECT * FROM workflow_instances WHERE id = ?");
  const listAll = db.prepare(
    "SELECT * FROM workflow_instances WHERE app = ? ORDER BY created_at DESC, id DESC LIMIT ?",
  );
  const listOne = db.prepare(
    "SELECT * FROM workflow_instances WHERE app = ? AND workflow = ? ORDER BY created_at DESC, id DESC LIMIT ?",
  );
  const journal = db.prepare("SELECT * FROM workflow_journal WHERE instance_id = ? ORDER BY seq");
  const events = db.prepare("SELECT * FROM workflow_events WHERE instance_id = ? ORDER BY seq");
  const pending = db.prepare(
    "SELECT * FROM workflow_events WHERE instance_id = ? AND consumed = 0 ORDER BY seq",
  );
  const due = db.prepare(
    `SELECT id FROM workflow_instances
     WHERE status = 'running' AND due_at IS NOT NULL AND due_at <= ? AND claimed_until <= ?
     ORDER BY due_at LIMIT ?`,
  );
  const claim = db.prepare(
    `UPDATE workflow_instances SET claimed_until = ?, claim_token = claim_token + 1,
       invocations = invocations + 1 WHERE id = ?`,
  );
  const clearJournal = db.prepare("DELETE FROM workflow_journal WHERE instance_id = ?");
  const restart = db.prepare("UPDATE workflow_instances SET input = ? WHERE id = ?");
  const lastEntry = db.prepare(
    "SELECT * FROM workflow_journal WHERE instance_id = ? ORDER BY seq DESC LIMIT 1",
  );
  const removeEntry = db.prepare("DELETE FROM workflow_journal WHERE instance_id = ? AND key = ?");
  const resume = db.prepare(
    `UPDATE workflow_instances SET status = 'running', error = NULL, due_at = ?, claimed_until = 0,
       claim_token = claim_token + 1, updated_at = ? WHERE id = ? AND status IN ('failed', 'parked')`,
  );
  const extend = db.prepare(
    "UPDATE workflow_instances SET claimed_until = ? WHERE id = ? AND claim_token = ? AND status = 'running'",
  );
  const upsert = db.prepare(
    `INSERT INTO workflow_journal (${JOURNAL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (instance_id, key) DO UPDATE SET seq = excluded.seq, state = excluded.state,
       output = excluded.output, error = excluded.error, attempts = excluded.attempts,
       wake_at = excluded.wake_at, finished_at = excluded.finished_at`,
  );
  const consume = db.prepare(
    "UPDATE workflow_events SET consumed = 1 WHERE instance_id = ? AND event_id = ?",
  );
  const newerEvent = db.prepare(
    "SELECT 1 AS found FROM workflow_events WHERE instance_id = ? AND consumed = 0 AND seq > ? LIMIT 1",
  );
  const finishInvocation = db.prepare(
    `UPDATE workflow_instances SET status = ?, output = ?, error = ?, due_at = ?, claimed_until = 0,
       events_seen_seq = ?, updated_at = ? WHERE id = ? AND claim_token = ?`,
  );
  const insertEvent = db.prepare(
    `INSERT INTO workflow_events (instance_id, event_id, name, payload, sent_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (instance_id, event_id) DO NOTHING`,
  );
  const knownEvent = db.prepare(
    "SELECT 1 AS found FROM workflow_events WHERE instance_id = ? AND event_id = ?",
  );
  const wake = db.prepare(
    "UPDATE workflow_instances SET due_at = MIN(COALESCE(due_at, ?), ?), updated_at = ? WHERE id = ?",
  );
  const cancel = db.prepare(
    `UPDATE workflow_instances SET status = 'cancelled', error = ?, due_at = NULL, claimed_until = 0,
       claim_token = claim_token + 1, updated_at = ? WHERE id = ? AND status = 'running'`,
  );
  const nextDue = db.prepare(
    "SELECT MIN(due_at) AS due FROM workflow_instances WHERE status = 'running' AND due_at IS NOT NULL",
  );
  // A child that ended tells its parent, in the transaction that ended it.
  const notifyParent = (row: WorkflowInstanceRow, status: string, output?: string, error?: string) => {
    const result = childResultOf(status, output, error);
    const event = result && childResultEvent(row, result);
    if (!event) return;
    const parent = select.get(event.instanceId) as unknown as WorkflowInstanceRow | undefined;
    if (parent?.status !== "running") return;
    const stored = insertEvent.run(
      event.instanceId,
      event.eventId,
      event.name,
      event.payload,
      row.updated_at,
    );
    if (stored.changes === 1) wake.run(row.updated_at, row.updated_at, row.updated_at, event.instanceId);
  };
  const instanceOf = (id: string) => {
    const row = select.get(id) as unknown as WorkflowInstanceRow | undefined;
    return row ? toWorkflowInstance(row) : undefined;
  };

  return {
    async start(input) {
      const changes = insert.run(
        input.id,
        input.app,
        input.workflow,
        input.input,
        input.nowMs,
        input.nowMs,
        input.nowMs,
        input.version ?? null,
        input.parentId ?? null,
        input.parentKey ?? null,
        input.correlationKey ?? null,
      ).changes;
      return {
        instance: instanceOf(input.id) as NonNullable<ReturnType<typeof instanceOf>>,
        created: changes === 1,
      };
    },
    async get(id) {
      return instanceOf(id);
    },
    async list(app, workflow, limit) {
      const rows = workflow === undefined ? listAll.all(app, limit) : listOne.all(app, workflow, limit);
      return (rows as unknown as WorkflowInstanceRow[]).map(toWorkflowInstance);
    },
    async journal(id) {
      return (journal.all(id) as unknown as JournalRow[]).map(toJournalEntry);
    },
    async events(id) {
      return (events.all(id) as unknown as WorkflowEventRow[]).map(toWorkflowEvent);
    },
    async claimDue(nowMs, limit, claimMs) {
      return transaction(db, () => {
        const ids = (due.all(nowMs, nowMs, limit) as unknown as { id: string }[]).map((row) => row.id);
        return ids.map((id): ClaimedWorkflow => {
          claim.run(nowMs + claimMs, id);
          const row = select.get(id) as unknown as WorkflowInstanceRow;
          return {
            instance: toWorkflowInstance(row),
            claimToken: Number(row.claim_token),
            journal: (journal.all(id) as unknown as JournalRow[]).map(toJournalEntry),
            events: (pending.all(id) as unknown as WorkflowEventRow[]).map(toWorkflowEvent),
          };
        });
      });
    },
    async extendClaim(id, claimToken, claimedUntilMs) {
      return extend.run(claimedUntilMs, id, claimToken).changes === 1;
    },
    async commit(commit) {
      return transaction(db, () => {
        const row = select.get(commit.instanceId) as unknown as WorkflowInstanceRow | undefined;
        if (!row || Number(row.claim_token) !== commit.claimToken || row.status !== "running") return false;
        if (commit.continueAsNewInput !== undefined) {
          clearJournal.run(commit.instanceId);
          restart.run(commit.continueAsNewInput, commit.instanceId);
        } else {
          for (const entry of commit.entries) upsert.run(...journalValues(commit.instanceId, entry));
        }
        for (const eventId of commit.consumedEventIds) consume.run(commit.instanceId, eventId);
        if (commit.customStatus !== undefined) setCustomStatus.run(commit.customStatus, commit.instanceId);
        // An event that arrived during the invocation was not seen by it, nor a cancel asked
        // for meanwhile: run again at once.
        const missed =
          commit.status === "running" &&
          (newerEvent.get(commit.instanceId, commit.eventsSeenSeq) !== undefined ||
            (row.cancel_reason !== null && commit.cancelSeen !== true));
        const dueAt = missed || commit.continueAsNewInput !== undefined ? commit.nowMs : commit.dueAt;
        finishInvocation.run(
          commit.status,
          commit.output ?? null,
          commit.error ?? null,
          commit.status === "running" ? (dueAt ?? null) : null,
          commit.eventsSeenSeq,
          commit.nowMs,
          commit.instanceId,
          commit.claimToken,
        );
        notifyParent({ ...row, updated_at: commit.nowMs }, commit.status, commit.output, commit.error);
        return true;
      });
    },
    async sendEvent(input) {
      return transaction(db, () => {
        const row = select.get(input.instanceId) as unknown as WorkflowInstanceRow | undefined;
        if (!row) return { duplicate: false, instance: undefined };
        if (row.status !== "running") {
          const known = knownEvent.get(input.instanceId, input.eventId) !== undefined;
          return { duplicate: known, instance: toWorkflowInstance(row) };
        }
        const stored = insertEvent.run(
          input.instanceId,
          input.eventId,
          input.name,
          input.payload,
          input.nowMs,
        );
        if (stored.changes === 1) wake.run(input.nowMs, input.nowMs, input.nowMs, input.instanceId);
        return { duplicate: stored.changes === 0, instance: instanceOf(input.instanceId) };
      });
    },
    async cancel(id, reason, nowMs) {
      return transaction(db, () => {
        if (cancel.run(reason, nowMs, id).changes !== 1) return false;
        const row = select.get(id) as unknown as WorkflowInstanceRow;
        notifyParent(row, "cancelled", undefined, reason);
        return true;
      });
    },
    async requestCancel(id, reason, nowMs) {
      return requestCancel.run(reason, nowMs, nowMs, id).changes === 1;
    },
    async findByCorrelationKey(app, correlationKey, workflow) {
      const rows = byCorrelation.all(app, correlationKey, workflow ?? null, workflow ?? null);
      return (rows as unknown as { id: string }[]).map((row) => row.id);
    },
    async retry(id, nowMs, version) {
      return transaction(db, () => {
        const row = select.get(id) as unknown as WorkflowInstanceRow | undefined;
        if (!row || (row.status !== "failed" && row.status !== "parked")) return false;
        const last = lastEntry.get(id) as unknown as JournalRow | undefined;
        if (row.status === "failed" && last && isFailedStep(last)) removeEntry.run(id, last.key);
        if (version !== undefined) setVersion.run(version, id);
        return resume.run(nowMs, nowMs, id).changes === 1;
      });
    },
    async nextDueAt() {
      const row = nextDue.get() as unknown as { due: number | null };
      return row.due === null ? undefined : Number(row.due);
    },
  };
}
