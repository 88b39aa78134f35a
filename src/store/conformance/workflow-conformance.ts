import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { JournalEntry, WorkflowCommit } from "../workflow-ports.ts";
import type { WithStore } from "./support.ts";

const start = { id: "wf-1", app: "shop", workflow: "order", input: '{"n":1}', nowMs: 1_000 };

function step(seq: number, name: string, output: string): JournalEntry {
  return {
    seq,
    key: `step:${name}#1`,
    kind: "step",
    name,
    state: "done",
    output,
    error: undefined,
    attempts: 1,
    wakeAt: undefined,
    startedAt: 1_000 + seq,
    finishedAt: 1_001 + seq,
  };
}

function commitOf(claimToken: number, overrides: Partial<WorkflowCommit> = {}): WorkflowCommit {
  return {
    instanceId: "wf-1",
    claimToken,
    entries: [],
    consumedEventIds: [],
    eventsSeenSeq: 0,
    status: "running",
    dueAt: undefined,
    nowMs: 2_000,
    ...overrides,
  };
}

export function describeWorkflowConformance(withStore: WithStore): void {
  describe("workflows", () => {
    it("starts an instance once per id, due at once", () =>
      withStore(async ({ workflows }) => {
        const first = await workflows.start(start);
        assert.equal(first.created, true);
        assert.equal(first.instance.status, "running");
        assert.equal(first.instance.dueAt, 1_000);
        const again = await workflows.start({ ...start, input: '{"n":2}', nowMs: 5_000 });
        assert.equal(again.created, false);
        assert.equal(again.instance.input, '{"n":1}', "the first start wins");
        assert.deepEqual(
          (await workflows.list("shop", undefined, 10)).map((instance) => instance.id),
          ["wf-1"],
        );
        assert.deepEqual(await workflows.list("shop", "other", 10), []);
      }));

    it("claims a due instance once, commits several steps in one write, fences stale tokens", () =>
      withStore(async ({ workflows }) => {
        await workflows.start(start);
        assert.deepEqual(await workflows.claimDue(999, 10, 60_000), [], "not due yet");
        const [claimed] = await workflows.claimDue(1_000, 10, 60_000);
        assert.ok(claimed);
        assert.deepEqual(await workflows.claimDue(1_500, 10, 60_000), [], "claimed: nobody else gets it");
        const committed = await workflows.commit(
          commitOf(claimed.claimToken, { entries: [step(0, "a", "1"), step(1, "b", "2")], dueAt: 3_000 }),
        );
        assert.equal(committed, true);
        assert.deepEqual(
          (await workflows.journal("wf-1")).map((entry) => [entry.key, entry.output]),
          [
            ["step:a#1", "1"],
            ["step:b#1", "2"],
          ],
        );
        assert.equal(await workflows.commit(commitOf(claimed.claimToken - 1)), false, "stale token");
        assert.equal(await workflows.nextDueAt(), 3_000);
        const [next] = await workflows.claimDue(3_000, 10, 60_000);
        assert.ok(next);
        assert.equal(next.journal.length, 2);
        assert.ok(next.claimToken > claimed.claimToken);
        assert.equal(
          await workflows.commit(commitOf(claimed.claimToken)),
          false,
          "the old owner is fenced out",
        );
        assert.equal(
          await workflows.commit(commitOf(next.claimToken, { status: "completed", output: '"ok"' })),
          true,
        );
        const done = await workflows.get("wf-1");
        assert.equal(done?.status, "completed");
        assert.equal(done?.output, '"ok"');
        assert.equal(done?.dueAt, undefined);
        assert.equal(done?.invocations, 2);
      }));

    it("an expired claim can be taken again", () =>
      withStore(async ({ workflows }) => {
        await workflows.start(start);
        const [first] = await workflows.claimDue(1_000, 10, 100);
        assert.ok(first);
        assert.equal(
          await workflows.extendClaim("wf-1", first.claimToken, 1_300),
          true,
          "kept while it runs",
        );
        assert.deepEqual(await workflows.claimDue(1_200, 10, 100), []);
        const [second] = await workflows.claimDue(1_300, 10, 100);
        assert.ok(second);
        assert.equal(await workflows.extendClaim("wf-1", first.claimToken, 9_000), false, "fenced out");
        assert.equal(await workflows.commit(commitOf(first.claimToken)), false);
      }));

    it("stores an event once per id, wakes the instance, and consumes it on commit", () =>
      withStore(async ({ workflows }) => {
        await workflows.start(start);
        const [claimed] = await workflows.claimDue(1_000, 10, 60_000);
        assert.ok(claimed);
        await workflows.commit(commitOf(claimed.claimToken, { dueAt: 50_000 }));
        const sent = { instanceId: "wf-1", eventId: "e1", name: "approval", payload: "true", nowMs: 4_000 };
        assert.equal((await workflows.sendEvent(sent)).duplicate, false);
        assert.equal((await workflows.sendEvent({ ...sent, payload: "false" })).duplicate, true);
        assert.equal((await workflows.get("wf-1"))?.dueAt, 4_000, "woken");
        const [woken] = await workflows.claimDue(4_000, 10, 60_000);
        assert.ok(woken);
        assert.deepEqual(
          woken.events.map((event) => [event.eventId, event.payload]),
          [["e1", "true"]],
        );
        const seen = woken.events[0]?.seq ?? 0;
        await workflows.commit(commitOf(woken.claimToken, { consumedEventIds: ["e1"], eventsSeenSeq: seen }));
        assert.deepEqual(
          (await workflows.events("wf-1")).map((event) => event.consumed),
          [true],
        );
        assert.equal(
          (await workflows.sendEvent({ ...sent, eventId: "x", instanceId: "nope" })).instance,
          undefined,
        );
        const [last] = await workflows.claimDue(4_000, 10, 60_000);
        assert.equal(last, undefined, "consumed: not due again");
        const again = await workflows.claimDue(60_000, 10, 60_000);
        assert.equal(again.length, 0, "no due time once the commit set none");
      }));

    it("an event arriving during an invocation makes the instance due at commit", () =>
      withStore(async ({ workflows }) => {
        await workflows.start(start);
        const [claimed] = await workflows.claimDue(1_000, 10, 60_000);
        assert.ok(claimed);
        await workflows.sendEvent({
          instanceId: "wf-1",
          eventId: "e1",
          name: "go",
          payload: "1",
          nowMs: 1_500,
        });
        await workflows.commit(commitOf(claimed.claimToken, { dueAt: undefined, nowMs: 2_000 }));
        assert.equal((await workflows.get("wf-1"))?.dueAt, 2_000);
      }));

    it("continueAsNew empties the journal, replaces the input, keeps unconsumed events", () =>
      withStore(async ({ workflows }) => {
        await workflows.start(start);
        const [first] = await workflows.claimDue(1_000, 10, 60_000);
        assert.ok(first);
        await workflows.commit(commitOf(first.claimToken, { entries: [step(0, "a", "1")], dueAt: 9_000 }));
        await workflows.sendEvent({
          instanceId: "wf-1",
          eventId: "kept",
          name: "go",
          payload: "1",
          nowMs: 2_500,
        });
        const [second] = await workflows.claimDue(3_000, 10, 60_000);
        assert.ok(second);
        const seen = second.events[0]?.seq ?? 0;
        await workflows.commit(
          commitOf(second.claimToken, {
            entries: [step(1, "b", "2")],
            eventsSeenSeq: seen,
            continueAsNewInput: '{"n":2}',
            nowMs: 3_000,
          }),
        );
        const instance = await workflows.get("wf-1");
        assert.equal(instance?.input, '{"n":2}');
        assert.equal(instance?.status, "running");
        assert.equal(instance?.dueAt, 3_000, "the new run is due at once");
        assert.deepEqual(await workflows.journal("wf-1"), []);
        const [third] = await workflows.claimDue(3_000, 10, 60_000);
        assert.deepEqual(
          third?.events.map((event) => event.eventId),
          ["kept"],
        );
      }));

    it("retries a failed instance without its last failed step, and a parked one as it is", () =>
      withStore(async ({ workflows }) => {
        await workflows.start(start);
        const [claimed] = await workflows.claimDue(1_000, 10, 60_000);
        assert.ok(claimed);
        const failedStep: JournalEntry = { ...step(1, "b", ""), output: undefined, error: '{"message":"x"}' };
        await workflows.commit(
          commitOf(claimed.claimToken, {
            entries: [step(0, "a", "1"), failedStep],
            status: "failed",
            error: "x",
          }),
        );
        assert.equal(await workflows.retry("wf-1", 5_000), true);
        const resumed = await workflows.get("wf-1");
        assert.equal(resumed?.status, "running");
        assert.equal(resumed?.error, undefined);
        assert.equal(resumed?.dueAt, 5_000);
        assert.deepEqual(
          (await workflows.journal("wf-1")).map((entry) => entry.key),
          ["step:a#1"],
        );
        assert.equal(await workflows.retry("wf-1", 5_000), false, "running: nothing to retry");
        const [next] = await workflows.claimDue(5_000, 10, 60_000);
        assert.ok(next);
        await workflows.commit(commitOf(next.claimToken, { status: "parked", error: "nondeterminism" }));
        assert.equal(await workflows.retry("wf-1", 6_000), true);
        assert.equal((await workflows.journal("wf-1")).length, 1, "a parked instance keeps its journal");
      }));

    it("cancels a running instance once and fences its claim", () =>
      withStore(async ({ workflows }) => {
        await workflows.start(start);
        const [claimed] = await workflows.claimDue(1_000, 10, 60_000);
        assert.ok(claimed);
        await workflows.sendEvent({
          instanceId: "wf-1",
          eventId: "early",
          name: "go",
          payload: "1",
          nowMs: 1_500,
        });
        assert.equal(await workflows.cancel("wf-1", "by test", 2_000), true);
        const resent = await workflows.sendEvent({
          instanceId: "wf-1",
          eventId: "early",
          name: "go",
          payload: "1",
          nowMs: 3,
        });
        assert.equal(resent.duplicate, true, "a resend of a stored event stays a duplicate after the end");
        assert.equal(await workflows.cancel("wf-1", "again", 2_000), false);
        assert.equal(
          await workflows.commit(commitOf(claimed.claimToken, { entries: [step(0, "a", "1")] })),
          false,
        );
        assert.deepEqual(await workflows.journal("wf-1"), [], "nothing of the fenced invocation");
        assert.equal((await workflows.get("wf-1"))?.status, "cancelled");
        const late = await workflows.sendEvent({
          instanceId: "wf-1",
          eventId: "e",
          name: "go",
          payload: "1",
          nowMs: 3,
        });
        assert.equal(late.instance?.status, "cancelled");
        assert.equal(late.duplicate, false);
        assert.deepEqual(
          (await workflows.events("wf-1")).map((event) => event.eventId),
          ["early"],
        );
      }));

    it("keeps the start version, custom status and correlation key; retry moves the version", () =>
      withStore(async ({ workflows }) => {
        await workflows.start({ ...start, version: 3, correlationKey: "order-7" });
        await workflows.start({ ...start, id: "wf-2", correlationKey: "order-7", workflow: "other" });
        await workflows.start({ ...start, id: "wf-3", correlationKey: "order-8" });
        assert.deepEqual(await workflows.findByCorrelationKey("shop", "order-7"), ["wf-1", "wf-2"]);
        assert.deepEqual(await workflows.findByCorrelationKey("shop", "order-7", "order"), ["wf-1"]);
        assert.deepEqual(await workflows.findByCorrelationKey("other-app", "order-7"), []);
        const [claimed] = (await workflows.claimDue(1_000, 10, 60_000)).filter(
          (claim) => claim.instance.id === "wf-1",
        );
        assert.ok(claimed);
        assert.equal(claimed.instance.version, 3);
        assert.equal(claimed.instance.correlationKey, "order-7");
        await workflows.commit(
          commitOf(claimed.claimToken, { customStatus: '{"stage":"paid"}', dueAt: 5_000 }),
        );
        assert.equal((await workflows.get("wf-1"))?.customStatus, '{"stage":"paid"}');
        const [again] = await workflows.claimDue(10_000, 10, 60_000);
        assert.equal(again?.instance.id, "wf-1");
        await workflows.commit(commitOf(again.claimToken, { status: "failed", error: "x", nowMs: 10_000 }));
        assert.deepEqual(
          await workflows.findByCorrelationKey("shop", "order-7", "order"),
          [],
          "only running",
        );
        assert.equal(await workflows.retry("wf-1", 11_000, 5), true);
        const retried = await workflows.get("wf-1");
        assert.equal(retried?.version, 5);
        assert.equal(retried?.customStatus, '{"stage":"paid"}', "kept until set again");
      }));

    it("a child's end sends its parent one result event, in the same transaction", () =>
      withStore(async ({ workflows }) => {
        await workflows.start(start);
        const child = { ...start, id: "wf-1:child:ship#1", parentId: "wf-1", parentKey: "child:ship#1" };
        await workflows.start(child);
        await workflows.start({ ...child, id: "wf-1:child:ship#2", parentKey: "child:ship#2" });
        const claims = await workflows.claimDue(1_000, 10, 60_000);
        const parent = claims.find((claim) => claim.instance.id === "wf-1");
        const first = claims.find((claim) => claim.instance.id === child.id);
        assert.ok(parent && first);
        assert.equal(first.instance.parentId, "wf-1");
        await workflows.commit(commitOf(parent.claimToken, { dueAt: undefined }));
        await workflows.commit({
          ...commitOf(first.claimToken, { status: "completed", output: '{"n":2}', nowMs: 3_000 }),
          instanceId: child.id,
        });
        assert.equal(await workflows.cancel("wf-1:child:ship#2", "stop", 3_500), true);
        const events = await workflows.events("wf-1");
        assert.deepEqual(
          events.map((event) => [event.eventId, event.name, JSON.parse(event.payload)]),
          [
            [`child:${child.id}`, "nimbus:child:child:ship#1", { status: "completed", output: { n: 2 } }],
            ["child:wf-1:child:ship#2", "nimbus:child:child:ship#2", { status: "cancelled", error: "stop" }],
          ],
        );
        assert.equal((await workflows.get("wf-1"))?.dueAt, 3_000, "the parent is due again");
      }));

    it("a requested cancel makes the instance due, also after a replay that did not see it", () =>
      withStore(async ({ workflows }) => {
        await workflows.start(start);
        const [claimed] = await workflows.claimDue(1_000, 10, 60_000);
        assert.ok(claimed);
        assert.equal(await workflows.requestCancel("wf-1", "by test", 1_500), true);
        assert.equal(
          await workflows.commit(commitOf(claimed.claimToken, { dueAt: 90_000 })),
          true,
          "not fenced: the replay's work is kept",
        );
        const instance = await workflows.get("wf-1");
        assert.equal(instance?.cancelReason, "by test");
        assert.equal(instance?.dueAt, 2_000, "due at once: that replay had not seen the cancel");
        const [next] = await workflows.claimDue(2_000, 10, 60_000);
        assert.ok(next);
        await workflows.commit(commitOf(next.claimToken, { dueAt: 90_000, cancelSeen: true }));
        assert.equal((await workflows.get("wf-1"))?.dueAt, 90_000);
        await workflows.cancel("wf-1", "done", 3_000);
        assert.equal(await workflows.requestCancel("wf-1", "late", 4_000), false);
      }));
  });
}
