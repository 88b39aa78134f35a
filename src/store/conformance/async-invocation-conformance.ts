// Async invocations every adapter must store alike: durable enqueue with idempotency keys,
// claims that no two dispatchers share, fenced attempt records, retries and final states.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AsyncAttempt, NewAsyncInvocation } from "../async-invocation-ports.ts";
import { type WithStore, waitFor } from "./support.ts";

function invocation(overrides: Partial<NewAsyncInvocation> = {}): NewAsyncInvocation {
  return {
    app: "shop",
    functionName: "mailer",
    payload: Buffer.from('{"to":"a@b.c"}'),
    idempotencyKey: undefined,
    idempotencyWindowMs: 60_000,
    maxAttempts: 3,
    maxEventAgeMs: 3_600_000,
    ...overrides,
  };
}

function attempt(number: number, outcome: AsyncAttempt["outcome"] = "error"): AsyncAttempt {
  return {
    attempt: number,
    requestId: `req-${number}`,
    startedAt: 1_000 + number,
    durationMs: 5,
    outcome,
    errorCode: outcome === "success" ? undefined : "FUNCTION_ERROR",
    errorMessage: outcome === "success" ? undefined : "boom",
  };
}

export function describeAsyncInvocationConformance(withStore: WithStore): void {
  describe("async invocations", () => {
    it("stores an invocation queued and due at once, with its payload", () =>
      withStore(async ({ asyncInvocations }) => {
        const { invocation: stored, duplicate } = await asyncInvocations.enqueue(invocation());
        assert.equal(duplicate, false);
        assert.equal(stored.status, "queued");
        assert.equal(Buffer.from(stored.payload).toString(), '{"to":"a@b.c"}');
        assert.deepEqual(stored.attempts, []);
        assert.ok(stored.expiresAt >= stored.createdAt + 3_600_000);
        assert.deepEqual(await asyncInvocations.get(stored.id), stored);
        assert.equal(await asyncInvocations.get("missing"), undefined);
      }));

    it("keeps an invocation's qualifier, and the version each attempt ran", () =>
      withStore(async ({ asyncInvocations }) => {
        const { invocation: qualified } = await asyncInvocations.enqueue(invocation({ qualifier: "live" }));
        const { invocation: latest } = await asyncInvocations.enqueue(invocation());
        assert.equal(qualified.qualifier, "live");
        assert.equal(latest.qualifier, undefined);
        assert.equal((await asyncInvocations.get(latest.id))?.qualifier, undefined);
        const claims = await asyncInvocations.claimDue(10, 60_000);
        const claim = claims.find((candidate) => candidate.invocation.id === qualified.id);
        assert.ok(claim);
        assert.equal(claim.invocation.qualifier, "live");
        const ran = { ...attempt(1), version: "7" };
        assert.equal(
          await asyncInvocations.recordAttempt(qualified.id, claim.claimToken, ran, {
            kind: "retry",
            delayMs: 60_000,
            counted: true,
          }),
          true,
        );
        const stored = await asyncInvocations.get(qualified.id);
        assert.equal(stored?.qualifier, "live");
        assert.deepEqual(stored?.attempts, [ran]);
      }));

    it("returns the first invocation for a repeated idempotency key within the window", () =>
      withStore(async ({ asyncInvocations }) => {
        const first = await asyncInvocations.enqueue(invocation({ idempotencyKey: "order-1" }));
        const repeat = await asyncInvocations.enqueue(invocation({ idempotencyKey: "order-1" }));
        assert.equal(repeat.duplicate, true);
        assert.equal(repeat.invocation.id, first.invocation.id);
        const otherFunction = await asyncInvocations.enqueue(
          invocation({ idempotencyKey: "order-1", functionName: "other" }),
        );
        assert.equal(otherFunction.duplicate, false);
        await asyncInvocations.enqueue(invocation({ idempotencyKey: "short", idempotencyWindowMs: 1 }));
        const afterWindow = await waitFor(async () => {
          const again = await asyncInvocations.enqueue(
            invocation({ idempotencyKey: "short", idempotencyWindowMs: 1 }),
          );
          return again.duplicate ? undefined : again;
        }, "the idempotency window to pass");
        assert.equal(afterWindow.duplicate, false);
        assert.equal((await asyncInvocations.list({ app: "shop", limit: 10 })).length, 4);
      }));

    it("claims each due invocation once, and only the current claim records", () =>
      withStore(async ({ asyncInvocations }) => {
        for (let index = 0; index < 5; index++) await asyncInvocations.enqueue(invocation());
        const claims = await Promise.all([
          asyncInvocations.claimDue(3, 60_000),
          asyncInvocations.claimDue(3, 60_000),
          asyncInvocations.claimDue(3, 60_000),
        ]);
        const ids = claims.flat().map((claim) => claim.invocation.id);
        assert.equal(ids.length, 5);
        assert.equal(new Set(ids).size, 5);
        assert.deepEqual(await asyncInvocations.claimDue(10, 60_000), [], "all running");
        const claim = claims.flat()[0];
        assert.ok(claim);
        assert.equal(claim.invocation.status, "running");
        assert.equal(
          await asyncInvocations.recordAttempt(claim.invocation.id, claim.claimToken + 1, attempt(1), {
            kind: "finish",
            status: "succeeded",
            reason: undefined,
          }),
          false,
        );
      }));

    it("reclaims a running invocation whose claim expired (its node died), fencing the old claim", () =>
      withStore(async ({ asyncInvocations }) => {
        await asyncInvocations.enqueue(invocation());
        const [lost] = await asyncInvocations.claimDue(1, 30);
        assert.ok(lost);
        const [taken] = await waitFor(async () => {
          const got = await asyncInvocations.claimDue(1, 60_000);
          return got.length > 0 ? got : undefined;
        }, "the claim to expire");
        assert.equal(taken?.invocation.id, lost.invocation.id);
        const finish = { kind: "finish", status: "succeeded", reason: undefined } as const;
        assert.equal(
          await asyncInvocations.recordAttempt(lost.invocation.id, lost.claimToken, attempt(1), finish),
          false,
        );
        assert.equal(
          await asyncInvocations.recordAttempt(
            taken?.invocation.id as string,
            taken?.claimToken as number,
            attempt(1, "success"),
            finish,
          ),
          true,
        );
        const done = await asyncInvocations.get(lost.invocation.id);
        assert.equal(done?.status, "succeeded");
        assert.equal(done?.attempts.length, 1);
      }));

    it("records attempts, schedules retries after their delay, and finishes with a reason", () =>
      withStore(async ({ asyncInvocations }) => {
        const { invocation: stored } = await asyncInvocations.enqueue(invocation());
        const [first] = await asyncInvocations.claimDue(1, 60_000);
        assert.ok(first);
        assert.equal(
          await asyncInvocations.recordAttempt(stored.id, first.claimToken, attempt(1, "throttled"), {
            kind: "retry",
            delayMs: 0,
            counted: false,
          }),
          true,
        );
        const [second] = await asyncInvocations.claimDue(1, 60_000);
        assert.ok(second);
        await asyncInvocations.recordAttempt(stored.id, second.claimToken, attempt(2), {
          kind: "retry",
          delayMs: 60_000,
          counted: true,
        });
        const queued = await asyncInvocations.get(stored.id);
        assert.equal(queued?.status, "queued");
        assert.equal(queued?.countedAttempts, 1);
        assert.ok((queued?.nextAttemptAt ?? 0) > Date.now() + 30_000);
        assert.deepEqual(await asyncInvocations.claimDue(1, 60_000), [], "not due yet");

        const { invocation: other } = await asyncInvocations.enqueue(invocation({ functionName: "other" }));
        const [claim] = await asyncInvocations.claimDue(1, 60_000);
        assert.equal(claim?.invocation.id, other.id);
        await asyncInvocations.recordAttempt(other.id, claim?.claimToken as number, attempt(1), {
          kind: "finish",
          status: "failed",
          reason: "FUNCTION_ERROR: boom",
        });
        const failed = await asyncInvocations.get(other.id);
        assert.deepEqual(
          [failed?.status, failed?.finalReason, failed?.countedAttempts],
          ["failed", "FUNCTION_ERROR: boom", 1],
        );
        assert.deepEqual(failed?.attempts, [attempt(1)]);
        assert.deepEqual(
          (await asyncInvocations.get(stored.id))?.attempts.map((a) => [a.attempt, a.outcome]),
          [
            [1, "throttled"],
            [2, "error"],
          ],
        );
        assert.deepEqual(
          (await asyncInvocations.list({ app: "shop", functionName: "other", limit: 10 })).map((i) => i.id),
          [other.id],
        );
      }));
  });
}
