// How the API shows instances and their history: JSON text columns parsed back into values,
// times as epoch ms, and each step's duration.
import type { JournalEntry, WorkflowEvent, WorkflowInstance } from "../../store/workflow-ports.ts";

function parsed(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function instanceView(instance: WorkflowInstance) {
  return {
    id: instance.id,
    app: instance.app,
    workflow: instance.workflow,
    status: instance.status,
    input: parsed(instance.input),
    output: parsed(instance.output),
    error: parsed(instance.error),
    dueAt: instance.dueAt,
    invocations: instance.invocations,
    createdAt: instance.createdAt,
    updatedAt: instance.updatedAt,
    version: instance.version,
    customStatus: parsed(instance.customStatus),
    correlationKey: instance.correlationKey,
    parentId: instance.parentId,
    cancelRequested: instance.cancelReason,
  };
}

/** A journal entry; a child's shows the child instance's id (`<parent id>:<key>`). */
export function journalView(entry: JournalEntry, instanceId?: string) {
  return {
    ...(entry.kind === "child" && instanceId !== undefined ? { childId: `${instanceId}:${entry.key}` } : {}),
    seq: entry.seq,
    key: entry.key,
    kind: entry.kind,
    name: entry.name,
    state: entry.state,
    output: parsed(entry.output),
    error: parsed(entry.error),
    attempts: entry.attempts,
    wakeAt: entry.wakeAt,
    startedAt: entry.startedAt,
    finishedAt: entry.finishedAt,
    durationMs: entry.finishedAt === undefined ? undefined : entry.finishedAt - entry.startedAt,
  };
}

export function eventView(event: WorkflowEvent) {
  return {
    seq: event.seq,
    eventId: event.eventId,
    name: event.name,
    payload: parsed(event.payload),
    sentAt: event.sentAt,
    consumed: event.consumed,
  };
}
