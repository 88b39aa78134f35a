// Row shapes of the workflow tables, shared by the SQLite and PostgreSQL adapters.
import type {
  ChildResult,
  JournalEntry,
  WorkflowEvent,
  WorkflowInstance,
  WorkflowStatus,
} from "./workflow-ports.ts";

export interface WorkflowInstanceRow {
  id: string;
  app: string;
  workflow: string;
  status: string;
  input: string;
  output: string | null;
  error: string | null;
  due_at: number | null;
  claim_token: number;
  events_seen_seq: number;
  invocations: number;
  created_at: number;
  updated_at: number;
  version: number | null;
  parent_id: string | null;
  parent_key: string | null;
  correlation_key: string | null;
  custom_status: string | null;
  cancel_reason: string | null;
}

export interface JournalRow {
  instance_id: string;
  key: string;
  seq: number;
  kind: string;
  name: string;
  state: string;
  output: string | null;
  error: string | null;
  attempts: number;
  wake_at: number | null;
  started_at: number;
  finished_at: number | null;
}

export interface WorkflowEventRow {
  seq: number;
  instance_id: string;
  event_id: string;
  name: string;
  payload: string;
  sent_at: number;
  consumed: number | boolean;
}

const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
const optionalNumber = (value: number | null): number | undefined =>
  value === null ? undefined : Number(value);

export function toWorkflowInstance(row: WorkflowInstanceRow): WorkflowInstance {
  return {
    id: row.id,
    app: row.app,
    workflow: row.workflow,
    status: row.status as WorkflowStatus,
    input: row.input,
    output: optional(row.output),
    error: optional(row.error),
    dueAt: optionalNumber(row.due_at),
    invocations: Number(row.invocations),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    version: optionalNumber(row.version ?? null),
    parentId: optional(row.parent_id ?? null),
    parentKey: optional(row.parent_key ?? null),
    correlationKey: optional(row.correlation_key ?? null),
    customStatus: optional(row.custom_status ?? null),
    cancelReason: optional(row.cancel_reason ?? null),
  };
}

/**
 * The event that tells a parent its child ended (inserted by the transaction that ends the
 * child), or undefined when the instance has no parent or has not ended.
 */
export function childResultEvent(
  child: Pick<WorkflowInstanceRow, "id" | "parent_id" | "parent_key">,
  result: ChildResult,
): { instanceId: string; eventId: string; name: string; payload: string } | undefined {
  if (child.parent_id === null || child.parent_key === null) return undefined;
  return {
    instanceId: child.parent_id,
    eventId: `child:${child.id}`,
    name: `nimbus:child:${child.parent_key}`,
    payload: JSON.stringify({
      status: result.status,
      ...(result.output === undefined ? {} : { output: JSON.parse(result.output) as unknown }),
      ...(result.error === undefined ? {} : { error: result.error }),
    }),
  };
}

/** The child's result for its parent, when `status` ends it. */
export function childResultOf(
  status: string,
  output: string | undefined,
  error: string | undefined,
): ChildResult | undefined {
  if (status === "completed") return { status, output };
  if (status === "failed" || status === "cancelled") return { status, error };
  return undefined;
}

export function toJournalEntry(row: JournalRow): JournalEntry {
  return {
    seq: Number(row.seq),
    key: row.key,
    kind: row.kind as JournalEntry["kind"],
    name: row.name,
    state: row.state as JournalEntry["state"],
    output: optional(row.output),
    error: optional(row.error),
    attempts: Number(row.attempts),
    wakeAt: optionalNumber(row.wake_at),
    startedAt: Number(row.started_at),
    finishedAt: optionalNumber(row.finished_at),
  };
}

export function toWorkflowEvent(row: WorkflowEventRow): WorkflowEvent {
  return {
    seq: Number(row.seq),
    instanceId: row.instance_id,
    eventId: row.event_id,
    name: row.name,
    payload: row.payload,
    sentAt: Number(row.sent_at),
    consumed: row.consumed === true || row.consumed === 1,
  };
}

/** A step that failed for good (its error journaled, no result). */
export function isFailedStep(row: JournalRow): boolean {
  return row.kind === "step" && row.state === "done" && row.output === null && row.error !== null;
}

/** The journal row's values in column order (for inserts/upserts). */
export function journalValues(instanceId: string, entry: JournalEntry): (string | number | null)[] {
  return [
    instanceId,
    entry.key,
    entry.seq,
    entry.kind,
    entry.name,
    entry.state,
    entry.output ?? null,
    entry.error ?? null,
    entry.attempts,
    entry.wakeAt ?? null,
    entry.startedAt,
    entry.finishedAt ?? null,
  ];
}

export const JOURNAL_COLUMNS =
  "instance_id, key, seq, kind, name, state, output, error, attempts, wake_at, started_at, finished_at";
