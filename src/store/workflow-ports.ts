// Durable workflows (src/services/workflows/): instances, their journals and the events sent
// to them. One invocation of a workflow's function runs at a time per instance, under a fenced
// claim; everything it produced commits in one transaction (`commit`), or not at all.

export type WorkflowStatus = "running" | "completed" | "failed" | "parked" | "cancelled";

export interface WorkflowInstance {
  readonly id: string;
  readonly app: string;
  readonly workflow: string;
  readonly status: WorkflowStatus;
  /** The start input, JSON text. */
  readonly input: string;
  /** The return value (JSON text) once completed. */
  readonly output: string | undefined;
  /** Why it failed or was parked. */
  readonly error: string | undefined;
  /** When it next needs an invocation (a timer, a retry, an event); undefined when finished. */
  readonly dueAt: number | undefined;
  /** How many invocations of the function ran it (replays included). */
  readonly invocations: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** The workflow function's version the instance runs on (recorded at start); undefined: latest. */
  readonly version: number | undefined;
  /** The parent instance of a child workflow (ctx.child), and the parent's journal key for it. */
  readonly parentId: string | undefined;
  readonly parentKey: string | undefined;
  /** Events sent to this key (within the app) reach the instance. */
  readonly correlationKey: string | undefined;
  /** What the workflow last set with ctx.setStatus (JSON text). */
  readonly customStatus: string | undefined;
  /** Set once a cancel was asked for: the next replay runs the compensations, then it ends cancelled. */
  readonly cancelReason: string | undefined;
}

/** child: a child workflow; patch: a ctx.patched decision (takes no position). */
export type JournalEntryKind = "step" | "sleep" | "event" | "value" | "child" | "patch";

/** One journal entry: a step, timer, event wait or recorded value, keyed by kind:name#occurrence. */
export interface JournalEntry {
  /** The position of the call in the workflow function (0, 1, 2, …): replays must repeat it. */
  readonly seq: number;
  readonly key: string;
  readonly kind: JournalEntryKind;
  readonly name: string;
  /** pending: a timer or wait not over, or a step between retries; done: final. */
  readonly state: "pending" | "done";
  /** The result (JSON text), or undefined. */
  readonly output: string | undefined;
  /** The last error (JSON text: { name, message, nonRetryable }). */
  readonly error: string | undefined;
  readonly attempts: number;
  /** Timer or wait deadline, or when a step's next attempt is due. */
  readonly wakeAt: number | undefined;
  readonly startedAt: number;
  readonly finishedAt: number | undefined;
}

export interface WorkflowEvent {
  readonly seq: number;
  readonly instanceId: string;
  /** The sender's id: a repeated id is the same event (delivered once). */
  readonly eventId: string;
  readonly name: string;
  /** JSON text. */
  readonly payload: string;
  readonly sentAt: number;
  readonly consumed: boolean;
}

export interface ClaimedWorkflow {
  readonly instance: WorkflowInstance;
  readonly claimToken: number;
  readonly journal: readonly JournalEntry[];
  /** Events not yet consumed, oldest first. */
  readonly events: readonly WorkflowEvent[];
}

export interface WorkflowCommit {
  readonly instanceId: string;
  readonly claimToken: number;
  /** New or changed entries (upserted by key). */
  readonly entries: readonly JournalEntry[];
  /** Events the invocation consumed (waits they completed). */
  readonly consumedEventIds: readonly string[];
  /** The highest event seq the invocation saw: a newer event makes the instance due at once. */
  readonly eventsSeenSeq: number;
  readonly status: WorkflowStatus;
  readonly output?: string | undefined;
  readonly error?: string | undefined;
  /** When to run next (status running); undefined: only an event wakes it. */
  readonly dueAt: number | undefined;
  /**
   * continueAsNew: the journal is emptied and the instance starts over with this input (JSON
   * text), due at once; unconsumed events stay for the new run. `entries` are then ignored.
   */
  readonly continueAsNewInput?: string | undefined;
  /** The replay knew of the requested cancel; when one is recorded and it did not, it runs again at once. */
  readonly cancelSeen?: boolean | undefined;
  /** ctx.setStatus's value (JSON text); undefined leaves the stored one. */
  readonly customStatus?: string | undefined;
  readonly nowMs: number;
}

export interface StartWorkflowInput {
  readonly id: string;
  readonly app: string;
  readonly workflow: string;
  readonly input: string;
  readonly nowMs: number;
  readonly version?: number | undefined;
  readonly parentId?: string | undefined;
  readonly parentKey?: string | undefined;
  readonly correlationKey?: string | undefined;
}

/**
 * The event a child's end sends its parent (in the transaction that ends the child): its id is
 * `child:<child id>`, its name `nimbus:child:<parent key>`, its payload this (JSON text).
 */
export interface ChildResult {
  readonly status: "completed" | "failed" | "cancelled";
  /** JSON text of the child's output, or of its error. */
  readonly output?: string | undefined;
  readonly error?: string | undefined;
}

export interface WorkflowStore {
  /** Creates the instance, due at once; an existing id returns that instance with created false. */
  start(input: StartWorkflowInput): Promise<{ instance: WorkflowInstance; created: boolean }>;
  get(id: string): Promise<WorkflowInstance | undefined>;
  list(app: string, workflow: string | undefined, limit: number): Promise<WorkflowInstance[]>;
  journal(id: string): Promise<JournalEntry[]>;
  events(id: string): Promise<WorkflowEvent[]>;
  /**
   * Claims up to `limit` running instances due by `nowMs` whose claim has expired, for
   * `claimMs`, each with a new token; returns them with their journal and unconsumed events.
   */
  claimDue(nowMs: number, limit: number, claimMs: number): Promise<ClaimedWorkflow[]>;
  /** Keeps a claim while its replay runs; false once the token is no longer current. */
  extendClaim(id: string, claimToken: number, claimedUntilMs: number): Promise<boolean>;
  /**
   * Applies an invocation's results in one transaction, only if the claim token is current.
   * Ending a child instance (completed, failed) sends its parent the child's result event in
   * the same transaction (see ChildResult); so does `cancel`.
   */
  commit(commit: WorkflowCommit): Promise<boolean>;
  /**
   * Stores an event (once per eventId) for a running instance and makes it due. For a finished
   * instance nothing is stored; `duplicate` says whether that event id had been stored before.
   */
  sendEvent(
    input: Omit<WorkflowEvent, "seq" | "consumed" | "sentAt"> & { nowMs: number },
  ): Promise<{ duplicate: boolean; instance: WorkflowInstance | undefined }>;
  /** Ends a running instance as cancelled (and fences out a claim in flight); false if not running. */
  cancel(id: string, reason: string, nowMs: number): Promise<boolean>;
  /**
   * Asks a running instance to cancel: records the reason and makes it due, without fencing a
   * replay in flight (its commit makes it due again). False if not running.
   */
  requestCancel(id: string, reason: string, nowMs: number): Promise<boolean>;
  /** Ids of the app's running instances with this correlation key (of one workflow, if given). */
  findByCorrelationKey(app: string, correlationKey: string, workflow?: string): Promise<string[]>;
  /**
   * Resumes a failed or parked instance, due at once: a failed step that is the journal's last
   * entry is removed, so it runs again with fresh attempts. False if it was in neither state.
   * With `version`, the instance runs on that version of its function from now on.
   */
  retry(id: string, nowMs: number, version?: number): Promise<boolean>;
  /** Soonest dueAt among running instances (to sleep until), or undefined. */
  nextDueAt(): Promise<number | undefined>;
}
