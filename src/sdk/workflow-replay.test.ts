// One replay at a time, without a platform: what the SDK answers for a given journal.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { workflow } from "./workflow.ts";
import type { JournalEntryWire, WorkflowInvocation } from "./workflow-protocol.ts";

const NOW_MS = 1_000_000;

function invocation(
  journal: JournalEntryWire[] = [],
  events: WorkflowInvocation["events"] = [],
): WorkflowInvocation {
  return {
    nimbusWorkflow: 1,
    instanceId: "i-1",
    workflow: "w",
    input: "null",
    nowMs: NOW_MS,
    journal,
    events,
  };
}

function done(seq: number, key: string, output: unknown): JournalEntryWire {
  const [kind, rest] = key.split(":") as [JournalEntryWire["kind"], string];
  return {
    seq,
    key,
    kind,
    name: rest.split("#")[0] ?? "",
    state: "done",
    output: JSON.stringify(output),
    attempts: 1,
    startedAt: 1,
    finishedAt: 2,
  };
}

describe("workflow replay", () => {
  it("returns journaled results without running the step, and ends after running a new one", async () => {
    let runs = 0;
    const flow = workflow(async (ctx) => {
      const a = await ctx.step("a", () => {
        runs++;
        return "fresh";
      });
      const b = await ctx.step("b", () => `${a}+b`);
      return b;
    });
    const answer = await flow.replay(invocation([done(0, "step:a#1", "journaled")]));
    assert.equal(runs, 0, "a completed step is never recomputed");
    assert.deepEqual(
      answer.entries.map((entry) => [entry.key, entry.output]),
      [["step:b#1", '"journaled+b"']],
    );
    assert.deepEqual(answer.outcome, { type: "suspend", dueAt: NOW_MS }, "committed before moving on");
  });

  it("commits steps started together in one answer", async () => {
    const flow = workflow(async (ctx) => Promise.all([ctx.step("x", () => 1), ctx.step("y", async () => 2)]));
    const answer = await flow.replay(invocation());
    assert.deepEqual(
      answer.entries.map((entry) => [entry.seq, entry.key]),
      [
        [0, "step:x#1"],
        [1, "step:y#1"],
      ],
    );
  });

  it("parks on a replay that asks for another step than the journal holds, keeping nothing", async () => {
    const flow = workflow(async (ctx) => {
      await ctx.step("renamed", () => 1);
      await ctx.step("next", () => 2);
    });
    const answer = await flow.replay(invocation([done(0, "step:original#1", 1)]));
    assert.equal(answer.outcome.type, "park");
    assert.match(
      (answer.outcome as { error: string }).error,
      /asked for "step:renamed#1" but its journal holds "step:original#1"/,
    );
    assert.deepEqual(answer.entries, []);
  });

  it("parks when the workflow returns with journal entries it never asked for", async () => {
    const flow = workflow(async () => "done early");
    const answer = await flow.replay(invocation([done(0, "step:a#1", 1)]));
    assert.equal(answer.outcome.type, "park");
  });

  it("schedules retries with exponential delays and fails after the last attempt", async () => {
    const flow = workflow(async (ctx) =>
      ctx.step(
        "s",
        () => {
          throw new Error("boom");
        },
        { retry: { attempts: 3, delay: "100ms" } },
      ),
    );
    const first = await flow.replay(invocation());
    assert.deepEqual(first.outcome, { type: "suspend", dueAt: NOW_MS + 100 });
    const pending = first.entries[0] as JournalEntryWire;
    assert.equal(pending.attempts, 1);
    const second = await flow.replay(invocation([{ ...pending, wakeAt: NOW_MS }]));
    assert.deepEqual(second.outcome, { type: "suspend", dueAt: NOW_MS + 200 }, "doubled");
    const third = await flow.replay(
      invocation([{ ...(second.entries[0] as JournalEntryWire), wakeAt: NOW_MS }]),
    );
    const failed = third.entries[0] as JournalEntryWire;
    assert.equal(failed.state, "done");
    assert.equal(failed.attempts, 3);
    const last = await flow.replay(invocation([failed]));
    assert.equal(last.outcome.type, "fail");
    assert.match((last.outcome as { error: string }).error, /failed after 3 attempts: boom/);
  });

  it("continueAsNew answers the new input and runs nothing after it", async () => {
    let after = false;
    const flow = workflow(async (ctx, n: number) => {
      await ctx.continueAsNew(n + 1);
      after = true;
    });
    const answer = await flow.replay({ ...invocation(), input: "41" });
    assert.deepEqual(answer.outcome, { type: "continue", input: "42" });
    assert.equal(after, false);
  });

  it("replays now/random/uuid as recorded", async () => {
    const flow = workflow(async (ctx) => [ctx.now(), ctx.random(), ctx.uuid()]);
    const answer = await flow.replay(
      invocation([done(0, "value:now#1", 5), done(1, "value:random#1", 0.5), done(2, "value:uuid#1", "u")]),
    );
    assert.deepEqual(answer.outcome, { type: "complete", output: '[5,0.5,"u"]' });
  });

  it("an event waits wins once; a wait past its deadline with no event times out", async () => {
    const flow = workflow(async (ctx) => ctx.waitForEvent("go", { timeout: "1s" }));
    const waiting = await flow.replay(invocation());
    assert.deepEqual(waiting.outcome, { type: "suspend", dueAt: NOW_MS + 1_000 });
    const pending = waiting.entries[0] as JournalEntryWire;
    const event = { seq: 1, eventId: "e", name: "go", payload: '"yes"' };
    const won = await flow.replay({ ...invocation([pending], [event]), nowMs: NOW_MS + 5_000 });
    assert.deepEqual(won.consumedEventIds, ["e"], "an event present wins even past the deadline");
    assert.deepEqual(won.outcome, { type: "complete", output: '"yes"' });
    const timedOut = await flow.replay({ ...invocation([pending]), nowMs: NOW_MS + 1_000 });
    assert.deepEqual(timedOut.outcome, { type: "complete", output: "null" });
  });

  it("patched: true at the frontier, false when the history goes past it, then journaled", async () => {
    const flow = workflow(async (ctx) => {
      const on = ctx.patched("fix");
      if (on) await ctx.step("new", () => 1);
      return ctx.step("old", () => on);
    });
    const fresh = await flow.replay(invocation());
    assert.deepEqual(
      fresh.entries.map((entry) => [entry.key, entry.output]),
      [
        ["patch:fix", "true"],
        ["step:new#1", "1"],
      ],
    );
    // History of code without the patch: "old" sits where the patch would be.
    const old = await flow.replay(invocation([done(0, "step:old#1", false)]));
    assert.deepEqual(old.outcome, { type: "complete", output: "false" });
    assert.deepEqual(
      old.entries.map((entry) => [entry.key, entry.kind, entry.output]),
      [["patch:fix", "patch", "false"]],
    );
  });

  it("sleepUntil is a timer at that time, at most a year ahead", async () => {
    const at = NOW_MS + 5_000;
    const answer = await workflow(async (ctx) => ctx.sleepUntil(new Date(at))).replay(invocation());
    assert.deepEqual(answer.outcome, { type: "suspend", dueAt: at });
    assert.equal(answer.entries[0]?.key, "sleep:sleepUntil#1");
    const far = await workflow(async (ctx) => ctx.sleepUntil(NOW_MS + 400 * 86_400_000)).replay(invocation());
    assert.equal(far.outcome.type, "fail");
    assert.match(JSON.stringify(far.outcome), /more than a year away/);
  });

  it("a failure runs the compensations newest first, one step per commit", async () => {
    const flow = workflow(async (ctx) => {
      await ctx.step("a", () => "a");
      ctx.onFailure(() => ctx.step("undo-a", () => "undone a"));
      ctx.onFailure(() => ctx.step("undo-b", () => "undone b"));
      throw new Error("boom");
    });
    const first = await flow.replay(invocation([done(0, "step:a#1", "a")]));
    assert.equal(first.outcome.type, "suspend");
    assert.deepEqual(
      first.entries.map((entry) => entry.key),
      ["step:undo-b#1"],
    );
    const second = await flow.replay(
      invocation([done(0, "step:a#1", "a"), done(1, "step:undo-b#1", "undone b")]),
    );
    assert.deepEqual(
      second.entries.map((entry) => entry.key),
      ["step:undo-a#1"],
    );
    const last = await flow.replay(
      invocation([
        done(0, "step:a#1", "a"),
        done(1, "step:undo-b#1", "undone b"),
        done(2, "step:undo-a#1", "undone a"),
      ]),
    );
    assert.equal(last.outcome.type, "fail");
    assert.match(JSON.stringify(last.outcome), /boom/);
  });

  it("a requested cancel cancels the pending wait, runs the compensations and says it saw it", async () => {
    const flow = workflow(async (ctx) => {
      ctx.onFailure(() => ctx.step("undo", () => 1));
      await ctx.waitForEvent("go");
      return "not cancelled";
    });
    const pending: JournalEntryWire = {
      ...done(0, "event:go#1", undefined),
      state: "pending",
      output: undefined,
    };
    const answer = await flow.replay({ ...invocation([pending]), cancelRequested: "stop" });
    assert.equal(answer.cancelSeen, true);
    assert.deepEqual(
      answer.entries.map((entry) => [entry.key, entry.state, entry.error === undefined]),
      [
        ["event:go#1", "done", false],
        ["step:undo#1", "done", true],
      ],
    );
  });

  it("a child is asked for once, then its result event completes it", async () => {
    const flow = workflow(async (ctx) => ctx.child("ship", { n: 1 }));
    const first = await flow.replay(invocation());
    assert.deepEqual(first.children, [{ key: "child:ship#1", workflow: "ship", input: '{"n":1}' }]);
    assert.deepEqual(first.outcome, { type: "suspend", dueAt: undefined });
    const pending: JournalEntryWire = {
      ...done(0, "child:ship#1", undefined),
      state: "pending",
      output: undefined,
    };
    const event = {
      seq: 1,
      eventId: "child:i-1:child:ship#1",
      name: "nimbus:child:child:ship#1",
      payload: JSON.stringify({ status: "completed", output: { shipped: true } }),
    };
    const second = await flow.replay(invocation([pending], [event]));
    assert.deepEqual(second.outcome, { type: "complete", output: '{"shipped":true}' });
    assert.deepEqual(second.consumedEventIds, [event.eventId]);
    assert.equal(second.children, undefined, "started once");
  });
});
