// Durable workflows: `startWorkflow` stores an instance (idempotent by instance id) due at
// once; a dispatcher on every node claims due instances (fenced claim, as async invocations),
// invokes the workflow's function with the journal and unconsumed events, and commits what the
// replay answered — new journal entries, consumed events, status and next due time — in one
// transaction that only the current claim holder can make. Timers, retries and event waits are
// just due times on the instance row, so they survive restarts and fire once (a fire is a claim).
import { randomUUID } from "node:crypto";
import { NimbusError } from "../../core/errors.ts";
import { newRequestId } from "../../core/ids.ts";
import type { InvocationOutcome, InvocationRequest } from "../../runtime/index.ts";
import type {
  ClaimedWorkflow,
  JournalEntry,
  WorkflowEvent,
  WorkflowInstance,
  WorkflowStore,
} from "../../store/workflow-ports.ts";
import type { AsyncInvocationHost } from "../async/index.ts";
import { type WorkflowAnswer, workflowAnswerSchema } from "./workflow-answer.ts";
import { MAX_INLINE_WORKFLOW_BYTES, type WorkflowBlobs } from "./workflow-blobs.ts";

/** Replays run at once by one node. */
const MAX_IN_FLIGHT = 16;
/** Without a wake-up, look for due instances (other nodes' starts and events) this often. */
const RECHECK_MS = 200;
/** A replay that could not run (crash, timeout, bad answer) is retried after this, doubling. */
const INFRA_RETRY_BASE_MS = 500;
const INFRA_RETRY_MAX_MS = 60_000;
/** A replay that failed to answer this many times in a row parks the instance (default). */
const DEFAULT_MAX_REPLAY_FAILURES = 10;
/** The instance's status after each kind of replay outcome. */
const STATUS_OF = {
  suspend: "running",
  continue: "running",
  complete: "completed",
  fail: "failed",
  park: "parked",
} as const;
/**
 * Start inputs, event payloads and every journaled value larger than this (JSON text) are kept
 * as blobs behind a reference (workflow-blobs.ts); they are only bounded by the request limits.
 */
export const MAX_WORKFLOW_PAYLOAD_BYTES = MAX_INLINE_WORKFLOW_BYTES;

export interface WorkflowServiceOptions {
  readonly store: WorkflowStore;
  readonly host: WorkflowHost;
  /** Where payloads over MAX_WORKFLOW_PAYLOAD_BYTES go. */
  readonly blobs: WorkflowBlobs;
  /** Replays that failed to answer in a row before the instance is parked (default 10). */
  readonly maxReplayFailures?: number | undefined;
  /**
   * How long a claim lasts without renewal (the cluster's lease ttl): the owner renews it every
   * third of that while the replay runs, so after a kill -9 another node (or this one,
   * restarted) resumes the instance within this time. A late owner is fenced out by its token.
   */
  readonly claimTtlMs: number;
  readonly onError: (error: unknown) => void;
  /** The clock (tests of timers may move it); Date.now by default. */
  readonly nowMs?: () => number;
}

/** What the service needs of the deployed apps: their config, and calls of a function version. */
export interface WorkflowHost extends Pick<AsyncInvocationHost, "live"> {
  /** The version of the function served as latest (what a new instance starts on). */
  latestVersion(app: string, functionName: string): number | undefined;
  /** Calls that version of the function (loaded first when this node does not serve it). */
  invokeVersion(
    app: string,
    functionName: string,
    version: number,
    request: InvocationRequest,
    requestId: string,
  ): Promise<InvocationOutcome>;
}

export interface StartWorkflow {
  readonly app: string;
  readonly workflow: string;
  /** JSON text. */
  readonly input: string;
  readonly instanceId?: string | undefined;
  /** Events sent to this key reach the instance (sendEventByKey). */
  readonly correlationKey?: string | undefined;
  readonly parentId?: string | undefined;
  readonly parentKey?: string | undefined;
}

/** The message of a failure, for the instance's error while replays are retried. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class WorkflowService {
  readonly #options: WorkflowServiceOptions;
  readonly #now: () => number;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #infraFailures = new Map<string, number>();
  #loop: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(options: WorkflowServiceOptions) {
    this.#options = options;
    this.#now = options.nowMs ?? Date.now;
  }

  /** Resolves once the instance is stored; a repeated instance id returns the existing one. */
  async startWorkflow(input: StartWorkflow): Promise<{ instance: WorkflowInstance; duplicate: boolean }> {
    this.#requireWorkflow(input.app, input.workflow);
    const id = input.instanceId ?? randomUUID();
    const existing = input.instanceId === undefined ? undefined : await this.#options.store.get(id);
    const { instance, created } = existing
      ? { instance: existing, created: false }
      : await this.#options.store.start({
          id,
          app: input.app,
          workflow: input.workflow,
          input: await this.#options.blobs.store(input.input),
          nowMs: this.#now(),
          // The instance stays on the version it started on (retry moves it to the latest).
          version: this.#options.host.latestVersion(input.app, input.workflow),
          correlationKey: input.correlationKey,
          parentId: input.parentId,
          parentKey: input.parentKey,
        });
    if (instance.app !== input.app || instance.workflow !== input.workflow) {
      throw new NimbusError(
        "WORKFLOW_ID_CONFLICT",
        `Instance id "${id}" already names an instance of ${instance.app}/${instance.workflow}`,
      );
    }
    this.#wake?.();
    return { instance, duplicate: !created };
  }

  async get(id: string): Promise<WorkflowInstance> {
    const instance = await this.#options.store.get(id);
    if (!instance) throw new NimbusError("WORKFLOW_INSTANCE_NOT_FOUND", `No workflow instance "${id}"`);
    return instance;
  }

  /** The instance with its large values read back from their blobs (describe). */
  async getLoaded(id: string): Promise<WorkflowInstance> {
    const instance = await this.get(id);
    const { blobs } = this.#options;
    return {
      ...instance,
      input: await blobs.load(instance.input),
      output: await blobs.load(instance.output),
      customStatus: await blobs.load(instance.customStatus),
    };
  }

  /** The instance, or undefined (for authorization, which must not leak existence). */
  find(id: string): Promise<WorkflowInstance | undefined> {
    return this.#options.store.get(id);
  }

  list(app: string, workflow: string | undefined, limit: number): Promise<WorkflowInstance[]> {
    return this.#options.store.list(app, workflow, limit);
  }

  async history(id: string): Promise<{ journal: JournalEntry[]; events: WorkflowEvent[] }> {
    await this.get(id);
    const [journal, events] = await Promise.all([
      this.#options.store.journal(id),
      this.#options.store.events(id),
    ]);
    return this.#loaded(journal, events);
  }

  async sendEvent(input: {
    instanceId: string;
    name: string;
    payload: string;
    eventId?: string | undefined;
  }): Promise<{ eventId: string; duplicate: boolean }> {
    const eventId = input.eventId ?? randomUUID();
    const result = await this.#options.store.sendEvent({
      instanceId: input.instanceId,
      eventId,
      name: input.name,
      payload: await this.#options.blobs.store(input.payload),
      nowMs: this.#now(),
    });
    if (!result.instance)
      throw new NimbusError("WORKFLOW_INSTANCE_NOT_FOUND", `No workflow instance "${input.instanceId}"`);
    // A repeated send of an event already stored is answered as a duplicate even after the
    // instance finished, so a sender's retry never fails.
    if (result.instance.status !== "running" && !result.duplicate) {
      throw new NimbusError(
        "WORKFLOW_NOT_RUNNING",
        `Instance "${input.instanceId}" is ${result.instance.status}`,
      );
    }
    this.#wake?.();
    return { eventId, duplicate: result.duplicate };
  }

  /**
   * Sends an event to every running instance of the app with this correlation key (of one
   * workflow, if given), once per instance and event id.
   */
  async sendEventByKey(input: {
    app: string;
    correlationKey: string;
    workflow?: string | undefined;
    name: string;
    payload: string;
    eventId?: string | undefined;
  }): Promise<{ eventId: string; instances: { instanceId: string; duplicate: boolean }[] }> {
    const eventId = input.eventId ?? randomUUID();
    const ids = await this.#options.store.findByCorrelationKey(
      input.app,
      input.correlationKey,
      input.workflow,
    );
    const instances: { instanceId: string; duplicate: boolean }[] = [];
    for (const instanceId of ids) {
      try {
        const sent = await this.sendEvent({ instanceId, name: input.name, payload: input.payload, eventId });
        instances.push({ instanceId, duplicate: sent.duplicate });
      } catch (error) {
        // It ended since it was found: it is no longer a receiver.
        if (!(error instanceof NimbusError && error.code === "WORKFLOW_NOT_RUNNING")) throw error;
      }
    }
    return { eventId, instances };
  }

  /**
   * Cancels a running instance: its next replay (at once) cancels what it waits for, runs its
   * compensations (ctx.onFailure), and it ends cancelled.
   */
  async cancel(id: string, reason: string): Promise<WorkflowInstance> {
    const instance = await this.get(id);
    if (!(await this.#options.store.requestCancel(id, reason, this.#now()))) {
      throw new NimbusError("WORKFLOW_NOT_RUNNING", `Instance "${id}" is ${instance.status}`);
    }
    this.#wake?.();
    return this.get(id);
  }

  /** Resumes a failed or parked instance (after a fix was deployed). */
  async retry(id: string): Promise<WorkflowInstance> {
    const instance = await this.get(id);
    const version = this.#options.host.latestVersion(instance.app, instance.workflow);
    if (!(await this.#options.store.retry(id, this.#now(), version))) {
      throw new NimbusError(
        "WORKFLOW_NOT_RUNNING",
        `Instance "${id}" is ${instance.status}; only failed or parked instances can be retried`,
      );
    }
    this.#wake?.();
    return this.get(id);
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops claiming and waits for the replays in flight (they commit what they did). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
  }

  #requireWorkflow(app: string, workflow: string): void {
    const live = this.#options.host.live(app);
    if (!live) throw new NimbusError("APP_NOT_FOUND", `App "${app}" is not deployed`);
    if (live.config.functions[workflow]?.workflow !== true) {
      throw new NimbusError(
        "WORKFLOW_NOT_FOUND",
        `App "${app}" has no workflow "${workflow}" (a function with workflow: true)`,
      );
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const room = MAX_IN_FLIGHT - this.#inFlight.size;
        const claimed =
          room > 0 ? await this.#options.store.claimDue(this.#now(), room, this.#options.claimTtlMs) : [];
        for (const claim of claimed) {
          const work = this.#replay(claim)
            .catch((error: unknown) => this.#options.onError(error))
            .finally(() => this.#inFlight.delete(work));
          this.#inFlight.add(work);
        }
        if (claimed.length === 0 || room <= claimed.length) await this.#pause(await this.#idleMs());
      } catch (error) {
        this.#options.onError(error);
        await this.#pause(1_000);
      }
    }
  }

  /** Until the next due instance, at most RECHECK_MS (other nodes' starts do not wake us). */
  async #idleMs(): Promise<number> {
    const next = await this.#options.store.nextDueAt();
    return next === undefined ? RECHECK_MS : Math.max(1, Math.min(RECHECK_MS, next - this.#now()));
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #replay(claim: ClaimedWorkflow): Promise<void> {
    const { instance } = claim;
    const nowMs = this.#now();
    const eventsSeenSeq = Math.max(0, ...claim.events.map((event) => event.seq));
    let answer: WorkflowAnswer;
    const renew = setInterval(
      () => {
        const until = this.#now() + this.#options.claimTtlMs;
        this.#options.store.extendClaim(instance.id, claim.claimToken, until).catch(this.#options.onError);
      },
      Math.max(100, Math.floor(this.#options.claimTtlMs / 3)),
    );
    try {
      answer = await this.#invoke(claim, nowMs);
      // Children start before the commit that journals them: a crash in between starts none
      // twice (their ids are fixed), and a child never exists without its parent knowing.
      for (const child of answer.children ?? []) {
        await this.startWorkflow({
          app: instance.app,
          workflow: child.workflow,
          input: child.input,
          instanceId: `${instance.id}:${child.key}`,
          parentId: instance.id,
          parentKey: child.key,
        });
      }
    } catch (error) {
      await this.#replayFailed(claim, error);
      return;
    } finally {
      clearInterval(renew);
    }
    this.#infraFailures.delete(instance.id);
    const { outcome } = answer;
    // A cancel asked for ends the instance cancelled once its compensations have run.
    const cancelled =
      instance.cancelReason !== undefined && (outcome.type === "complete" || outcome.type === "fail");
    const status = cancelled ? "cancelled" : STATUS_OF[outcome.type];
    const { blobs } = this.#options;
    const entries = [];
    for (const entry of answer.entries) {
      entries.push({
        ...entry,
        output: await blobs.store(entry.output),
        error: entry.error,
        wakeAt: entry.wakeAt,
        finishedAt: entry.finishedAt,
      });
    }
    await this.#options.store.commit({
      instanceId: instance.id,
      claimToken: claim.claimToken,
      entries,
      consumedEventIds: answer.consumedEventIds,
      eventsSeenSeq,
      status,
      output: outcome.type === "complete" && !cancelled ? await blobs.store(outcome.output) : undefined,
      error: cancelled
        ? instance.cancelReason
        : outcome.type === "fail" || outcome.type === "park"
          ? outcome.error
          : undefined,
      dueAt: outcome.type === "suspend" ? outcome.dueAt : undefined,
      continueAsNewInput: outcome.type === "continue" ? await blobs.store(outcome.input) : undefined,
      customStatus: await blobs.store(answer.customStatus),
      cancelSeen: answer.cancelSeen,
      nowMs: this.#now(),
    });
    this.#wake?.();
  }

  /**
   * The replay did not run to an answer: nothing it did is journaled. It runs again after a
   * backoff, with the reason as the instance's error meanwhile; after maxReplayFailures in a
   * row the instance is parked (a cancel asked for ends it cancelled instead).
   */
  async #replayFailed(claim: ClaimedWorkflow, error: unknown): Promise<void> {
    const { instance } = claim;
    const failures = (this.#infraFailures.get(instance.id) ?? 0) + 1;
    this.#infraFailures.set(instance.id, failures);
    this.#options.onError(error);
    const limit = this.#options.maxReplayFailures ?? DEFAULT_MAX_REPLAY_FAILURES;
    const reason = `WORKFLOW_REPLAY_FAILED: the replay could not run (${failures} of ${limit} attempts): ${messageOf(error)}`;
    if (failures >= limit) {
      this.#infraFailures.delete(instance.id);
      if (instance.cancelReason !== undefined) {
        await this.#options.store.cancel(
          instance.id,
          `${instance.cancelReason}; the compensations could not run: ${messageOf(error)}`,
          this.#now(),
        );
        return;
      }
    }
    await this.#options.store.commit({
      instanceId: instance.id,
      claimToken: claim.claimToken,
      entries: [],
      consumedEventIds: [],
      eventsSeenSeq: 0,
      status: failures >= limit ? "parked" : "running",
      error: failures >= limit ? `${reason}; parked: fix it, then 'nimbus workflows retry'` : reason,
      dueAt: this.#now() + Math.min(INFRA_RETRY_MAX_MS, INFRA_RETRY_BASE_MS * 2 ** (failures - 1)),
      cancelSeen: true,
      nowMs: this.#now(),
    });
  }

  async #invoke(claim: ClaimedWorkflow, nowMs: number): Promise<WorkflowAnswer> {
    const { instance } = claim;
    const live = this.#options.host.live(instance.app);
    if (!live) throw new NimbusError("APP_NOT_FOUND", `App "${instance.app}" is not deployed`);
    const { blobs } = this.#options;
    const journal = [];
    for (const entry of claim.journal) journal.push({ ...entry, output: await blobs.load(entry.output) });
    const events = [];
    for (const { seq, eventId, name, payload } of claim.events) {
      events.push({ seq, eventId, name, payload: await blobs.load(payload) });
    }
    const payload = {
      nimbusWorkflow: 1,
      instanceId: instance.id,
      workflow: instance.workflow,
      input: await blobs.load(instance.input),
      nowMs,
      journal,
      events,
      ...(instance.cancelReason === undefined ? {} : { cancelRequested: instance.cancelReason }),
    };
    const request = { kind: "direct", payload: Buffer.from(JSON.stringify(payload)) } as const;
    // Every replay runs the version the instance started on, whatever was deployed since.
    const outcome =
      instance.version === undefined
        ? await live.invoke(instance.workflow, request, newRequestId())
        : await this.#options.host.invokeVersion(
            instance.app,
            instance.workflow,
            instance.version,
            request,
            newRequestId(),
          );
    if (outcome.status !== "success" || !outcome.response || outcome.response.status !== 200) {
      const detail = outcome.errorMessage ?? `status ${outcome.response?.status ?? "none"}`;
      throw new NimbusError(
        outcome.errorCode ?? "FUNCTION_ERROR",
        `Workflow ${instance.app}/${instance.workflow} instance ${instance.id}: the replay failed (${detail})`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(outcome.response.body).toString("utf8"));
    } catch {
      body = undefined;
    }
    const parsed = workflowAnswerSchema.safeParse(body);
    if (!parsed.success) {
      throw new NimbusError(
        "FUNCTION_ERROR",
        `Workflow ${instance.app}/${instance.workflow} answered something that is not a replay answer; is its export workflow(...) from nimbus/sdk?`,
      );
    }
    return parsed.data;
  }

  async #loaded(
    journal: JournalEntry[],
    events: WorkflowEvent[],
  ): Promise<{ journal: JournalEntry[]; events: WorkflowEvent[] }> {
    const { blobs } = this.#options;
    const loadedJournal: JournalEntry[] = [];
    for (const entry of journal) loadedJournal.push({ ...entry, output: await blobs.load(entry.output) });
    const loadedEvents: WorkflowEvent[] = [];
    for (const event of events) loadedEvents.push({ ...event, payload: await blobs.load(event.payload) });
    return { journal: loadedJournal, events: loadedEvents };
  }
}
