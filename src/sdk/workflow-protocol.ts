// What the platform and a workflow's function exchange on each invocation (one replay): the
// platform POSTs the instance's journal and unconsumed events; the function answers with the
// new journal entries and what happens next. The server validates the answer with its own
// schema (src/services/workflows/workflow-answer.ts); these are the SDK's types of it.

export interface JournalEntryWire {
  readonly seq: number;
  readonly key: string;
  /** child: a child workflow; patch: a ctx.patched decision (it takes no position). */
  readonly kind: "step" | "sleep" | "event" | "value" | "child" | "patch";
  readonly name: string;
  readonly state: "pending" | "done";
  /** JSON text of the result. */
  readonly output?: string | undefined;
  /** JSON text of { name, message, nonRetryable }. */
  readonly error?: string | undefined;
  readonly attempts: number;
  readonly wakeAt?: number | undefined;
  readonly startedAt: number;
  readonly finishedAt?: number | undefined;
}

export interface WorkflowEventWire {
  readonly seq: number;
  readonly eventId: string;
  readonly name: string;
  /** JSON text. */
  readonly payload: string;
}

export interface WorkflowInvocation {
  /** Marks the payload as a workflow replay (version of this protocol). */
  readonly nimbusWorkflow: 1;
  readonly instanceId: string;
  readonly workflow: string;
  /** JSON text of the start input. */
  readonly input: string;
  /** The platform's time for this invocation: timers and deadlines compare against it. */
  readonly nowMs: number;
  readonly journal: readonly JournalEntryWire[];
  readonly events: readonly WorkflowEventWire[];
  /** Set when a cancel was asked for: the replay cancels its waits, runs the compensations and ends. */
  readonly cancelRequested?: string | undefined;
}

/** A child workflow the replay started (ctx.child): the platform starts it before the commit. */
export interface ChildStartWire {
  /** The parent's journal key for it; the child's instance id is `<parent id>:<key>`. */
  readonly key: string;
  readonly workflow: string;
  /** JSON text. */
  readonly input: string;
}

export type WorkflowOutcome =
  /** Waiting: for a timer, a retry or an event; `dueAt` absent means only an event wakes it. */
  | { readonly type: "suspend"; readonly dueAt?: number | undefined }
  | { readonly type: "complete"; readonly output: string }
  | { readonly type: "fail"; readonly error: string }
  /** Nondeterminism: the replay asked for something the journal does not hold there. */
  | { readonly type: "park"; readonly error: string }
  /** continueAsNew: start over with this input (JSON text) and an empty journal. */
  | { readonly type: "continue"; readonly input: string };

export interface WorkflowAnswer {
  readonly entries: readonly JournalEntryWire[];
  readonly consumedEventIds: readonly string[];
  readonly outcome: WorkflowOutcome;
  readonly children?: readonly ChildStartWire[] | undefined;
  /** ctx.setStatus's last value in this replay (JSON text). */
  readonly customStatus?: string | undefined;
  /** The replay knew of the requested cancel (WorkflowInvocation.cancelRequested). */
  readonly cancelSeen?: boolean | undefined;
}
