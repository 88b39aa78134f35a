// Durable workflows: `startWorkflow` stores an instance (idempotent by instance id) due at
// once; a dispatcher on every node claims due instances (fenced claim, as async invocations),
// invokes the workflow's function with the journal and unconsumed events, and commits what the
// replay answered — new journal entries, consumed events, status and next due time — in one
// transaction that only the current claim holder can make. Timers, retries and event waits are
// just due times on the instance row, so they survive restarts and fire once (a fire is a claim).
import { randomUUID } from "node:crypto";
import { NimbusError } from "../../core/errors.ts";
import { newRequestId } from "../../core/ids.ts";
import type {
  ClaimedWorkflow,
  JournalEntry,
  WorkflowEvent,
  WorkflowInstance,
  WorkflowStore,
} from "../../store/workflow-ports.ts";
import type { AsyncInvocationHost } from "../async/index.ts";
import { type WorkflowAnswer, workflowAnswerSchema } from "./workflow-answer.ts";

/** Replays run at once by one node. */
const MAX_IN_FLIGHT = 16;
/** Without a wake-up, look for due instances (other nodes' starts and events) this often. */
const RECHECK_MS = 200;
/** A replay that could not run (crash, timeout, bad answer) is retried after this, doubling. */
const INFRA_RETRY_BASE_MS = 500;
const INFRA_RETRY_MAX_MS = 60_000;
/** The instance's status after each kind of replay outcome. */
const STATUS_OF = {
  suspend: "running",
  continue: "running",
  complete: "completed",
  fail: "failed",
  park: "parked",
} as const;
/** Start inputs and event payloads, JSON text; larger ones are refused (blobs are not built yet). */
export const MAX_WORKFLOW_PAYLOAD_BYTES = 256 * 1024;

export interface WorkflowServiceOptions {
  readonly store: WorkflowStore;
  readonly host: Pick<AsyncInvocationHost, "live">;
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

export interface StartWorkflow {
  readonly app: string;
  readonly workflow: string;
  /** JSON text. */
  readonly input: string;
  readonly instanceId?: string | undefined;
}

function checkSize(what: string, json: string): void {
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_WORKFLOW_PAYLOAD_BYTES) {
    throw new NimbusError(
      "PAYLOAD_TOO_LARGE",
      `A workflow ${what} may be at most ${MAX_WORKFLOW_PAYLOAD_BYTES} bytes, not ${bytes}`,
    );
  }
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
    checkSize("input", input.input);
    const id = input.instanceId ?? randomUUID();
    const { instance, created } = await this.#options.store.start({
      id,
      app: input.app,
      workflow: input.workflow,
      input: input.input,
      nowMs: this.#now(),
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
    return { journal, events };
  }

  async sendEvent(input: {
    instanceId: string;
    name: string;
    payload: string;
    eventId?: string | undefined;
  }): Promise<{ eventId: string; duplicate: boolean }> {
    checkSize("event payload", input.payload);
    const eventId = input.eventId ?? randomUUID();
    const result = await this.#options.store.sendEvent({
      instanceId: input.instanceId,
      eventId,
      name: input.name,
      payload: input.payload,
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

  async cancel(id: string, reason: string): Promise<WorkflowInstance> {
    const instance = await this.get(id);
    if (!(await this.#options.store.cancel(id, reason, this.#now()))) {
      throw new NimbusError("WORKFLOW_NOT_RUNNING", `Instance "${id}" is ${instance.status}`);
    }
    return this.get(id);
  }

  /** Resumes a failed or parked instance (after a fix was deployed). */
  async retry(id: string): Promise<WorkflowInstance> {
    const instance = await this.get(id);
    if (!(await this.#options.store.retry(id, this.#now()))) {
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
    } catch (error) {
      // The replay did not run to an answer: nothing it did is journaled; run it again later.
      const failures = (this.#infraFailures.get(instance.id) ?? 0) + 1;
      this.#infraFailures.set(instance.id, failures);
      this.#options.onError(error);
      await this.#options.store.commit({
        instanceId: instance.id,
        claimToken: claim.claimToken,
        entries: [],
        consumedEventIds: [],
        eventsSeenSeq: 0,
        status: "running",
        dueAt: this.#now() + Math.min(INFRA_RETRY_MAX_MS, INFRA_RETRY_BASE_MS * 2 ** (failures - 1)),
        nowMs: this.#now(),
      });
      return;
    } finally {
      clearInterval(renew);
    }
    this.#infraFailures.delete(instance.id);
    const { outcome } = answer;
    const status = STATUS_OF[outcome.type];
    await this.#options.store.commit({
      instanceId: instance.id,
      claimToken: claim.claimToken,
      entries: answer.entries.map((entry) => ({
        ...entry,
        output: entry.output,
        error: entry.error,
        wakeAt: entry.wakeAt,
        finishedAt: entry.finishedAt,
      })),
      consumedEventIds: answer.consumedEventIds,
      eventsSeenSeq,
      status,
      output: outcome.type === "complete" ? outcome.output : undefined,
      error: outcome.type === "fail" || outcome.type === "park" ? outcome.error : undefined,
      dueAt: outcome.type === "suspend" ? outcome.dueAt : undefined,
      continueAsNewInput: outcome.type === "continue" ? outcome.input : undefined,
      nowMs: this.#now(),
    });
    this.#wake?.();
  }

  async #invoke(claim: ClaimedWorkflow, nowMs: number): Promise<WorkflowAnswer> {
    const { instance } = claim;
    const live = this.#options.host.live(instance.app);
    if (!live) throw new NimbusError("APP_NOT_FOUND", `App "${instance.app}" is not deployed`);
    const payload = {
      nimbusWorkflow: 1,
      instanceId: instance.id,
      workflow: instance.workflow,
      input: instance.input,
      nowMs,
      journal: claim.journal,
      events: claim.events.map(({ seq, eventId, name, payload }) => ({ seq, eventId, name, payload })),
    };
    const outcome = await live.invoke(
      instance.workflow,
      { kind: "direct", payload: Buffer.from(JSON.stringify(payload)) },
      newRequestId(),
    );
    if (outcome.status !== "success" || !outcome.response || outcome.response.status !== 200) {
      const detail = outcome.errorMessage ?? `status ${outcome.response?.status ?? "none"}`;
      throw new NimbusError(
        outcome.errorCode ?? "FUNCTION_ERROR",
        `Workflow ${instance.app}/${instance.workflow} instance ${instance.id}: the replay failed (${detail})`,
      );
    }
    const parsed = workflowAnswerSchema.safeParse(
      JSON.parse(Buffer.from(outcome.response.body).toString("utf8")),
    );
    if (!parsed.success) {
      throw new NimbusError(
        "FUNCTION_ERROR",
        `Workflow ${instance.app}/${instance.workflow} answered something that is not a replay answer; is its export workflow(...) from nimbus/sdk?`,
      );
    }
    return parsed.data;
  }
}
