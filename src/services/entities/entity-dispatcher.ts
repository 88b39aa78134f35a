// Runs queued operations. Every node claims keys with queued operations (a fenced claim per
// key, so one batch at a time per key in the whole cluster), invokes the entity's function
// with the key's committed state and the batch, and commits the results with the new state in
// one transaction that only the claim's holder can make. A batch that gets no answer commits
// nothing; it runs again (from the same state), alone, and an operation that gets no answer
// MAX_ATTEMPTS times fails, so one bad operation cannot block its key forever.
import type { ClaimedEntity, EntityStore } from "../../store/entity-ports.ts";
import type { EntityHost, EntityInvoker } from "./entity-invoker.ts";

/** Keys whose batches run at once on one node. */
const MAX_IN_FLIGHT = 16;
/** Operations of one key sent in one invocation. */
const BATCH = 32;
/** Without a wake-up, look for due keys (other nodes' signals) this often. */
const RECHECK_MS = 200;
/** Invocations without an answer an operation gets before it fails. */
export const MAX_ATTEMPTS = 3;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;

export interface EntityDispatcherOptions {
  readonly store: EntityStore;
  readonly host: EntityHost;
  readonly invoker: EntityInvoker;
  /** The claim's life without renewal (the cluster's lease ttl); renewed every third of it. */
  readonly claimTtlMs: number;
  /** Called with the operations of a committed batch (wakes their callers). */
  readonly onCommitted: (claim: ClaimedEntity, operationIds: readonly string[]) => void;
  readonly onError: (error: unknown) => void;
}

export class EntityDispatcher {
  readonly #options: EntityDispatcherOptions;
  readonly #inFlight = new Set<Promise<void>>();
  /** Why an operation's last invocation failed (this node's view), for its final error. */
  readonly #lastErrors = new Map<string, string>();
  #loop: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #woken = false;

  constructor(options: EntityDispatcherOptions) {
    this.#options = options;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Look for due keys now (an operation was queued on this node). */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /** Stops claiming and waits for the batches in flight (they commit what they did). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
  }

  async #run(): Promise<void> {
    const { store } = this.#options;
    while (!this.#stopped) {
      try {
        this.#woken = false;
        const room = MAX_IN_FLIGHT - this.#inFlight.size;
        const claimed =
          room > 0 ? await store.claimDue(Date.now(), room, BATCH, this.#options.claimTtlMs) : [];
        for (const claim of claimed) {
          const work = this.#process(claim)
            .catch((error: unknown) => this.#options.onError(error))
            .finally(() => {
              this.#inFlight.delete(work);
              this.wake();
            });
          this.#inFlight.add(work);
        }
        if ((claimed.length === 0 || room <= claimed.length) && !this.#woken) await this.#pause();
      } catch (error) {
        this.#options.onError(error);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  async #pause(): Promise<void> {
    const next = await this.#options.store.nextDueAt();
    const ms = next === undefined ? RECHECK_MS : Math.max(1, Math.min(RECHECK_MS, next - Date.now()));
    if (this.#woken) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #process(claim: ClaimedEntity): Promise<void> {
    const { store } = this.#options;
    const { entity: record, claimToken } = claim;
    const first = claim.operations[0];
    if (!first) {
      await store.commit({ ...record, claimToken, state: undefined, results: [], nowMs: Date.now() });
      return;
    }
    if (first.attempts >= MAX_ATTEMPTS) {
      const why = this.#lastErrors.get(first.operationId) ?? "the entity function did not answer";
      const message = `the operation got no answer in ${first.attempts} attempts: ${why}`;
      this.#lastErrors.delete(first.operationId);
      const error = JSON.stringify({ name: "EntityInvocationFailed", message });
      const results = [{ operationId: first.operationId, error }];
      if (await store.commit({ ...record, claimToken, state: undefined, results, nowMs: Date.now() }))
        this.#options.onCommitted(claim, [first.operationId]);
      return;
    }
    // After a batch failed, its operations run alone until the one at fault is found.
    const batch = first.attempts > 0 ? [first] : claim.operations;
    const renew = setInterval(
      () => {
        const until = Date.now() + this.#options.claimTtlMs;
        store.extendClaim(record, claimToken, until).catch(this.#options.onError);
      },
      Math.max(100, Math.floor(this.#options.claimTtlMs / 3)),
    );
    let answer: Awaited<ReturnType<EntityInvoker["run"]>>;
    try {
      const live = this.#options.host.live(record.app);
      if (!live?.config.functions[record.entity]?.entity) {
        throw new Error(`${record.app}/${record.entity} is not a deployed entity`);
      }
      answer = await this.#options.invoker.run(record.app, live, record, record.state, batch);
    } catch (error) {
      for (const operation of batch) this.#lastErrors.set(operation.operationId, String(error));
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** first.attempts);
      const ids = batch.map((operation) => operation.operationId);
      await store.release(record, claimToken, ids, Date.now() + delay, Date.now());
      this.#options.onError(error);
      return;
    } finally {
      clearInterval(renew);
    }
    const committed = await store.commit({
      ...record,
      claimToken,
      state: answer.state,
      results: answer.results,
      nowMs: Date.now(),
    });
    for (const operation of batch) this.#lastErrors.delete(operation.operationId);
    if (committed)
      this.#options.onCommitted(
        claim,
        answer.results.map((result) => result.operationId),
      );
  }
}
