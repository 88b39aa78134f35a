// One replay of a workflow function: the function runs from the top; every ctx call takes the
// next position and is answered from the journal when the journal holds it, or executed and
// recorded when it does not. The replay ends when the function returns or throws, or when it
// is blocked (waiting on a timer, a retry or an event with no step still running).
import { randomUUID } from "node:crypto";
import type { Duration } from "./workflow-duration.ts";
import { durationMs, MAX_TIMER_MS } from "./workflow-duration.ts";
import {
  ChildWorkflowFailedError,
  type SerializedError,
  StepFailedError,
  serializeError,
  WorkflowCancelledError,
} from "./workflow-errors.ts";
import type {
  ChildStartWire,
  JournalEntryWire,
  WorkflowAnswer,
  WorkflowEventWire,
  WorkflowInvocation,
  WorkflowOutcome,
} from "./workflow-protocol.ts";

export interface RetryPolicy {
  /** Attempts in all, the first included (default 3). */
  readonly attempts?: number;
  /** Delay before the second attempt (default "1s"). */
  readonly delay?: Duration;
  /** exponential (default): the delay doubles per attempt; fixed: stays the same. */
  readonly backoff?: "exponential" | "fixed";
  /** Upper bound of one delay (default "1h"). */
  readonly maxDelay?: Duration;
}

export interface StepContext {
  /** Stable across every attempt and re-run of this step: the instance id + the step's key. */
  readonly idempotencyKey: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

const DEFAULT_RETRY = { attempts: 3, delayMs: 1_000, maxDelayMs: 3_600_000 } as const;

/** Thrown into nothing: a promise that never settles, because the replay ends before it would. */
const never = <T>(): Promise<T> => new Promise<T>(() => {});

type Settled = { kind: "value"; value: unknown } | { kind: "error"; error: unknown } | { kind: "idle" };

/** A compensation registered with ctx.onFailure; it gets the error that failed the workflow. */
export type Compensation = (error: unknown) => unknown;

export class WorkflowReplay {
  readonly #invocation: WorkflowInvocation;
  readonly #bySeq = new Map<number, JournalEntryWire>();
  readonly #byKey = new Map<string, JournalEntryWire>();
  readonly #occurrences = new Map<string, number>();
  readonly #written = new Map<string, JournalEntryWire>();
  readonly #available: WorkflowEventWire[];
  readonly #consumed: string[] = [];
  #nextSeq = 0;
  #runningSteps = 0;
  #suspended = false;
  #dueAt: number | undefined;
  #parkReason: string | undefined;
  #continueWith: string | undefined;
  #onIdle: (() => void) | undefined;
  readonly #compensations: Compensation[] = [];
  #compensating = false;
  readonly #children: ChildStartWire[] = [];
  #customStatus: string | undefined;

  constructor(invocation: WorkflowInvocation) {
    this.#invocation = invocation;
    for (const entry of invocation.journal) {
      // Patch decisions take no position: old histories have none.
      if (entry.kind !== "patch") this.#bySeq.set(entry.seq, entry);
      this.#byKey.set(entry.key, entry);
    }
    this.#available = [...invocation.events];
  }

  get instanceId(): string {
    return this.#invocation.instanceId;
  }

  /** Runs the workflow function to its end or until it blocks; resolves with the answer. */
  async run(body: () => Promise<unknown>): Promise<WorkflowAnswer> {
    let settled = await this.#settle(body);
    // A failure runs the compensations (ctx.onFailure), newest first, then fails as it would have.
    if (
      settled.kind === "error" &&
      this.#parkReason === undefined &&
      this.#continueWith === undefined &&
      this.#compensations.length > 0
    ) {
      const failure = settled.error;
      this.#compensating = true;
      this.#suspended = false;
      this.#dueAt = undefined;
      settled = await this.#settle(() => this.#compensate(failure));
    }
    let outcome: WorkflowOutcome;
    if (this.#parkReason !== undefined) outcome = { type: "park", error: this.#parkReason };
    else if (this.#continueWith !== undefined) outcome = { type: "continue", input: this.#continueWith };
    else if (settled.kind === "idle") outcome = { type: "suspend", dueAt: this.#dueAt };
    else if (settled.kind === "error")
      outcome = { type: "fail", error: JSON.stringify(serializeError(settled.error)) };
    else outcome = this.#completion(settled.value);
    // A parked instance's history stops growing: nothing of this replay is kept.
    const keep = outcome.type !== "park";
    return {
      entries: keep ? [...this.#written.values()] : [],
      consumedEventIds: keep ? this.#consumed : [],
      outcome,
      ...(keep && this.#children.length > 0 ? { children: this.#children } : {}),
      ...(this.#customStatus === undefined ? {} : { customStatus: this.#customStatus }),
      ...(this.#invocation.cancelRequested === undefined ? {} : { cancelSeen: true }),
    };
  }

  /** Runs `fn` until it settles or the replay is blocked (idle). */
  #settle(fn: () => Promise<unknown>): Promise<Settled> {
    const idle = new Promise<Settled>((resolve) => {
      this.#onIdle = () => resolve({ kind: "idle" });
    });
    const work = Promise.resolve()
      .then(fn)
      .then(
        (value): Settled => ({ kind: "value", value }),
        (error: unknown): Settled => ({ kind: "error", error }),
      );
    return Promise.race([work, idle]);
  }

  async #compensate(failure: unknown): Promise<never> {
    for (const compensation of [...this.#compensations].reverse()) {
      try {
        await compensation(failure);
      } catch (error) {
        // One failed compensation does not stop the others; the workflow fails with its error.
        if (this.#parkReason !== undefined) throw error;
      }
    }
    throw failure;
  }

  /** Registers a compensation, run (newest first) when the workflow fails or is cancelled. */
  onFailure(compensation: Compensation): void {
    if (!this.#compensating) this.#compensations.push(compensation);
  }

  /** The instance's custom status, stored with this replay's commit (JSON). */
  setStatus(value: unknown): void {
    this.#customStatus = JSON.stringify(value ?? null);
  }

  /**
   * Whether this instance runs the code after patch `name`: true for instances that reach it
   * on code that has the patch, false for a replay of history made by code without it (the
   * journal already holds entries past this point). Journaled: the same on every replay.
   */
  patched(name: string): boolean {
    const key = `patch:${name}`;
    const entry = this.#written.get(key) ?? this.#byKey.get(key);
    if (entry) return entry.output === "true";
    const pastHere = [...this.#bySeq.values()].some((held) => held.seq >= this.#nextSeq);
    const now = Date.now();
    this.#write({
      seq: this.#nextSeq,
      key,
      kind: "patch",
      name,
      state: "done",
      output: String(!pastHere),
      attempts: 1,
      startedAt: now,
      finishedAt: now,
    });
    return !pastHere;
  }

  /**
   * A cancel was asked for and this call is not answered from the journal: it is journaled as
   * cancelled and throws (compensations still run their calls normally).
   */
  #cancelled(seq: number, key: string, kind: JournalEntryWire["kind"], name: string): void {
    const reason = this.#invocation.cancelRequested;
    if (reason === undefined || this.#compensating) return;
    const nowMs = this.#invocation.nowMs;
    const error = new WorkflowCancelledError(reason);
    this.#write({
      seq,
      key,
      kind,
      name,
      state: "done",
      error: JSON.stringify(serializeError(error)),
      attempts: 0,
      startedAt: nowMs,
      finishedAt: nowMs,
    });
    throw error;
  }

  /** A journaled cancel of this call throws again on every replay. */
  #throwIfCancelled(entry: JournalEntryWire): void {
    if (entry.error === undefined || entry.output !== undefined) return;
    const error = JSON.parse(entry.error) as SerializedError;
    if (error.name === "WorkflowCancelledError") {
      const cancelled = new WorkflowCancelledError("");
      cancelled.message = error.message;
      throw cancelled;
    }
  }

  #completion(value: unknown): WorkflowOutcome {
    const left = [...this.#bySeq.values()].find((entry) => entry.seq >= this.#nextSeq);
    if (left) {
      this.#parkReason = `nondeterminism: the workflow returned, but its journal holds "${left.key}" at position ${left.seq} that this run never asked for`;
      return { type: "park", error: this.#parkReason };
    }
    return { type: "complete", output: JSON.stringify(value ?? null) };
  }

  /** The journal entry for the next position, checked against what the code asks for now. */
  #position(
    kind: JournalEntryWire["kind"],
    name: string,
  ): { seq: number; key: string; entry?: JournalEntryWire } {
    const base = `${kind}:${name}`;
    const occurrence = (this.#occurrences.get(base) ?? 0) + 1;
    this.#occurrences.set(base, occurrence);
    const key = `${base}#${occurrence}`;
    const seq = this.#nextSeq++;
    const atSeq = this.#bySeq.get(seq);
    const byKey = this.#written.get(key) ?? this.#byKey.get(key);
    if ((atSeq && atSeq.key !== key) || (byKey && byKey.seq !== seq)) {
      const held = atSeq ? `"${atSeq.key}"` : "nothing";
      this.#park(
        `nondeterminism: at position ${seq} the workflow asked for "${key}" but its journal holds ${held} there; the code changed under a running instance, or it branches on something not journaled (use ctx.now/random/uuid and steps)`,
      );
    }
    return byKey ? { seq, key, entry: byKey } : { seq, key };
  }

  #park(reason: string): never {
    this.#parkReason ??= reason;
    throw new Error(reason);
  }

  #write(entry: JournalEntryWire): void {
    this.#written.set(entry.key, entry);
  }

  #suspend<T>(dueAt: number | undefined): Promise<T> {
    this.#suspended = true;
    if (dueAt !== undefined) this.#dueAt = this.#dueAt === undefined ? dueAt : Math.min(this.#dueAt, dueAt);
    this.#checkIdle();
    return never<T>();
  }

  /** Blocked = something suspended and no step is running; checked after pending callbacks ran. */
  #checkIdle(): void {
    setImmediate(() => {
      if (this.#suspended && this.#runningSteps === 0) this.#onIdle?.();
    });
  }

  /**
   * Ends this run and starts the instance over with `input` and an empty journal, keeping the
   * events not consumed yet: bounds the history of a workflow that loops forever.
   */
  continueAsNew(input: unknown): Promise<never> {
    this.#continueWith = JSON.stringify(input ?? null);
    return this.#suspend<never>(this.#invocation.nowMs);
  }

  /** A recorded value: computed once, then the same on every replay. */
  value<T>(name: string, compute: () => T): T {
    const { seq, key, entry } = this.#position("value", name);
    if (entry?.state === "done") {
      this.#throwIfCancelled(entry);
      return (entry.output === undefined ? undefined : JSON.parse(entry.output)) as T;
    }
    this.#cancelled(seq, key, "value", name);
    const value = compute();
    const now = Date.now();
    this.#write({
      seq,
      key,
      kind: "value",
      name,
      state: "done",
      output: JSON.stringify(value),
      attempts: 1,
      startedAt: now,
      finishedAt: now,
    });
    return value;
  }

  now(): number {
    return this.value("now", () => this.#invocation.nowMs);
  }

  random(): number {
    return this.value("random", () => Math.random());
  }

  uuid(): string {
    return this.value("uuid", () => randomUUID());
  }

  async step<T>(
    name: string,
    fn: (step: StepContext) => T | Promise<T>,
    retry: RetryPolicy = {},
  ): Promise<T> {
    const { seq, key, entry } = this.#position("step", name);
    if (entry?.state === "done") return this.#stepResult<T>(name, entry);
    this.#cancelled(seq, key, "step", name);
    if (entry && entry.wakeAt !== undefined && entry.wakeAt > this.#invocation.nowMs) {
      return this.#suspend<T>(entry.wakeAt);
    }
    const attempt = (entry?.attempts ?? 0) + 1;
    const startedAt = entry?.startedAt ?? Date.now();
    this.#runningSteps++;
    try {
      const value = await fn({ idempotencyKey: `${this.#invocation.instanceId}:${key}`, attempt });
      const output = value === undefined ? undefined : JSON.stringify(value);
      this.#write({
        seq,
        key,
        kind: "step",
        name,
        state: "done",
        output,
        attempts: attempt,
        startedAt,
        finishedAt: Date.now(),
      });
      return this.#commitFirst<T>();
    } catch (error) {
      if (this.#parkReason !== undefined) throw error;
      const serialized = serializeError(error);
      const maxAttempts = retry.attempts ?? DEFAULT_RETRY.attempts;
      const base = {
        seq,
        key,
        kind: "step",
        name,
        error: JSON.stringify(serialized),
        attempts: attempt,
        startedAt,
      } as const;
      if (serialized.nonRetryable || attempt >= maxAttempts) {
        this.#write({ ...base, state: "done", finishedAt: Date.now() });
        return this.#commitFirst<T>();
      }
      const wakeAt = this.#invocation.nowMs + retryDelayMs(retry, attempt);
      this.#write({ ...base, state: "pending", wakeAt });
      return this.#suspend<T>(wakeAt);
    } finally {
      this.#runningSteps--;
      this.#checkIdle();
    }
  }

  /**
   * A step that ran in this replay is committed before the workflow moves past it: the replay
   * ends here (due again at once) once every step running beside it has finished, so steps
   * run in parallel commit in one write, and a crash never loses a step the code went past.
   */
  #commitFirst<T>(): Promise<T> {
    return this.#suspend<T>(this.#invocation.nowMs);
  }

  #stepResult<T>(name: string, entry: JournalEntryWire): T {
    this.#throwIfCancelled(entry);
    if (entry.error !== undefined && entry.output === undefined) {
      const error = JSON.parse(entry.error) as SerializedError;
      throw new StepFailedError(name, entry.attempts, error.name, error.message);
    }
    return (entry.output === undefined ? undefined : JSON.parse(entry.output)) as T;
  }

  sleep(duration: Duration): Promise<void> {
    const ms = durationMs(duration, "ctx.sleep");
    return this.#timer("sleep", () => this.#invocation.nowMs + ms);
  }

  /** A durable timer until `at` (at most a year ahead); a time already past returns at once. */
  sleepUntil(at: Date | number): Promise<void> {
    const atMs = typeof at === "number" ? at : at.getTime();
    if (!Number.isFinite(atMs)) throw new TypeError("ctx.sleepUntil: expected a Date or epoch milliseconds");
    return this.#timer("sleepUntil", () => {
      if (atMs - this.#invocation.nowMs > MAX_TIMER_MS) {
        throw new RangeError(`ctx.sleepUntil: ${new Date(atMs).toISOString()} is more than a year away`);
      }
      return atMs;
    });
  }

  async #timer(name: string, wakeAtOfNew: () => number): Promise<void> {
    const { seq, key, entry } = this.#position("sleep", name);
    if (entry?.state === "done") return this.#throwIfCancelled(entry);
    this.#cancelled(seq, key, "sleep", name);
    const nowMs = this.#invocation.nowMs;
    const wakeAt = entry?.wakeAt ?? wakeAtOfNew();
    if (wakeAt <= nowMs) {
      this.#write({
        seq,
        key,
        kind: "sleep",
        name,
        state: "done",
        attempts: 1,
        wakeAt,
        startedAt: entry?.startedAt ?? nowMs,
        finishedAt: nowMs,
      });
      return;
    }
    if (!entry)
      this.#write({
        seq,
        key,
        kind: "sleep",
        name,
        state: "pending",
        attempts: 1,
        wakeAt,
        startedAt: nowMs,
      });
    return this.#suspend<void>(wakeAt);
  }

  /** Resolves with the event's payload, or undefined when the timeout passed first. */
  async waitForEvent<T>(name: string, timeout: Duration | undefined): Promise<T | undefined> {
    const { seq, key, entry } = this.#position("event", name);
    if (entry?.state === "done") {
      this.#throwIfCancelled(entry);
      const result = JSON.parse(entry.output ?? "{}") as { payload?: T; timedOut?: boolean };
      return result.timedOut ? undefined : result.payload;
    }
    const nowMs = this.#invocation.nowMs;
    const startedAt = entry?.startedAt ?? nowMs;
    const wakeAt = entry
      ? entry.wakeAt
      : timeout === undefined
        ? undefined
        : nowMs + durationMs(timeout, "waitForEvent timeout");
    const base = { seq, key, kind: "event", name, attempts: 1, wakeAt, startedAt } as const;
    this.#cancelled(seq, key, "event", name);
    // One decision per wait, journaled: an event present at this replay wins over a deadline
    // that has also passed; either way the other can never win later.
    const index = this.#available.findIndex((event) => event.name === name);
    const event = index >= 0 ? this.#available.splice(index, 1)[0] : undefined;
    if (event) {
      this.#consumed.push(event.eventId);
      const payload = JSON.parse(event.payload) as T;
      this.#write({
        ...base,
        state: "done",
        output: JSON.stringify({ eventId: event.eventId, payload }),
        finishedAt: nowMs,
      });
      return payload;
    }
    if (wakeAt !== undefined && wakeAt <= nowMs) {
      this.#write({ ...base, state: "done", output: JSON.stringify({ timedOut: true }), finishedAt: nowMs });
      return undefined;
    }
    if (!entry) this.#write({ ...base, state: "pending" });
    return this.#suspend<T | undefined>(wakeAt);
  }
  /**
   * Starts child workflow `workflow` of the app with `input` (once: the platform starts it with
   * the id `<this id>:child:<workflow>#<n>` before it commits this replay) and resolves with its
   * output once it completed; throws ChildWorkflowFailedError if it failed or was cancelled.
   */
  async child<T>(workflow: string, input: unknown): Promise<T> {
    const { seq, key, entry } = this.#position("child", workflow);
    if (entry?.state === "done") return this.#childResult<T>(entry);
    this.#cancelled(seq, key, "child", workflow);
    const nowMs = this.#invocation.nowMs;
    const childId = `${this.#invocation.instanceId}:${key}`;
    const index = this.#available.findIndex((event) => event.name === `nimbus:child:${key}`);
    const event = index >= 0 ? this.#available.splice(index, 1)[0] : undefined;
    const base = {
      seq,
      key,
      kind: "child",
      name: workflow,
      attempts: 1,
      startedAt: entry?.startedAt ?? nowMs,
    } as const;
    if (event) {
      this.#consumed.push(event.eventId);
      const result = JSON.parse(event.payload) as { status: string; output?: unknown; error?: string };
      const done: JournalEntryWire =
        result.status === "completed"
          ? { ...base, state: "done", output: JSON.stringify(result.output ?? null), finishedAt: nowMs }
          : {
              ...base,
              state: "done",
              error: JSON.stringify(
                serializeError(
                  new ChildWorkflowFailedError(workflow, childId, result.status, errorMessage(result.error)),
                ),
              ),
              finishedAt: nowMs,
            };
      this.#write(done);
      return this.#childResult<T>(done);
    }
    if (!entry) {
      this.#write({ ...base, state: "pending" });
      this.#children.push({ key, workflow, input: JSON.stringify(input ?? null) });
    }
    return this.#suspend<T>(undefined);
  }

  #childResult<T>(entry: JournalEntryWire): T {
    this.#throwIfCancelled(entry);
    if (entry.output === undefined) {
      const error = JSON.parse(entry.error ?? "{}") as SerializedError;
      const failed = new Error(error.message);
      failed.name = error.name;
      Object.assign(failed, { nonRetryable: true });
      throw failed;
    }
    return JSON.parse(entry.output) as T;
  }
}

/** The message of a stored error: JSON text of { message }, or the text itself. */
function errorMessage(error: string | undefined): string {
  if (error === undefined) return "no error recorded";
  try {
    const parsed = JSON.parse(error) as { message?: unknown };
    return typeof parsed?.message === "string" ? parsed.message : error;
  } catch {
    return error;
  }
}

function retryDelayMs(retry: RetryPolicy, failedAttempt: number): number {
  const delayMs = retry.delay === undefined ? DEFAULT_RETRY.delayMs : durationMs(retry.delay, "retry delay");
  const maxDelayMs =
    retry.maxDelay === undefined ? DEFAULT_RETRY.maxDelayMs : durationMs(retry.maxDelay, "retry maxDelay");
  const factor = retry.backoff === "fixed" ? 1 : 2 ** (failedAttempt - 1);
  return Math.min(delayMs * factor, maxDelayMs);
}
