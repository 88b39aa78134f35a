// Queue semantics every adapter must keep (SQS-like): visibility, delay, retention, FIFO order
// per group, deduplication, dead-letter moves, redrive, stats, and no double claims.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  NewQueueMessage,
  QueueStore,
  ReceiveMessagesOptions,
  SendMessagesOptions,
} from "../queue-ports.ts";
import { type WithStore, waitFor } from "./support.ts";

const jobs = { app: "shop", queue: "jobs" };
const dlq = { app: "shop", queue: "jobs-dlq" };
const STANDARD: SendMessagesOptions = { retentionMs: 60_000, deduplicationWindowMs: 300_000, fifo: false };
const FIFO: SendMessagesOptions = { ...STANDARD, fifo: true };
const LONG_VISIBILITY_MS = 60_000;

function message(body: string, overrides: Partial<NewQueueMessage> = {}): NewQueueMessage {
  return { body, attributes: {}, delayMs: 0, groupId: undefined, deduplicationId: undefined, ...overrides };
}

function receiving(overrides: Partial<ReceiveMessagesOptions> = {}): ReceiveMessagesOptions {
  return {
    maxMessages: 10,
    visibilityTimeoutMs: LONG_VISIBILITY_MS,
    fifo: false,
    redrive: undefined,
    ...overrides,
  };
}

async function bodies(queues: QueueStore, options = receiving()): Promise<string[]> {
  return (await queues.receiveMessages(jobs, options)).map((received) => received.body);
}

export function describeQueueConformance(withStore: WithStore): void {
  describe("queues", () => {
    it("delivers sent messages in order with attributes, then hides them while in flight", () =>
      withStore(async ({ queues }) => {
        const sent = await queues.sendMessages(
          jobs,
          [message("a", { attributes: { kind: "x" } }), message("b"), message("c")],
          STANDARD,
        );
        assert.equal(sent.length, 3);
        assert.ok(sent.every((one) => !one.duplicate));
        const first = await queues.receiveMessages(jobs, receiving({ maxMessages: 2 }));
        assert.deepEqual(
          first.map((m) => [m.body, m.receiveCount, m.messageId]),
          [
            ["a", 1, sent[0]?.messageId],
            ["b", 1, sent[1]?.messageId],
          ],
        );
        assert.deepEqual(first[0]?.attributes, { kind: "x" });
        assert.deepEqual(await bodies(queues), ["c"]);
        assert.deepEqual(await bodies(queues), [], "everything is in flight");
        const { oldestAgeMs, ...counts } = await queues.stats(jobs);
        assert.deepEqual(counts, { visible: 0, inFlight: 3, delayed: 0 });
        assert.ok(oldestAgeMs !== undefined && oldestAgeMs >= 0);
        assert.equal(await queues.deleteMessage(jobs, first[0]?.receiptHandle as string), true);
        assert.equal(await queues.deleteMessage(jobs, first[0]?.receiptHandle as string), false);
        assert.equal((await queues.stats(jobs)).inFlight, 2);
        assert.deepEqual(await queues.stats({ app: "shop", queue: "other" }), {
          visible: 0,
          inFlight: 0,
          delayed: 0,
          oldestAgeMs: undefined,
        });
      }));

    it("deletes several messages in one call, reporting which handles were current", () =>
      withStore(async ({ queues }) => {
        await queues.sendMessages(jobs, [message("a"), message("b"), message("c")], STANDARD);
        const received = await queues.receiveMessages(jobs, receiving());
        const handles = received.map((m) => m.receiptHandle);
        assert.deepEqual(
          await queues.deleteMessages(jobs, [handles[0] as string, "stale", handles[2] as string]),
          [handles[0], handles[2]],
        );
        assert.deepEqual(await queues.deleteMessages(jobs, [handles[0] as string]), []);
        assert.equal((await queues.stats(jobs)).inFlight, 1);
      }));

    it("makes a message visible again when its visibility timeout ends, with a new handle", () =>
      withStore(async ({ queues }) => {
        await queues.sendMessages(jobs, [message("retry me")], STANDARD);
        const [first] = await queues.receiveMessages(jobs, receiving({ visibilityTimeoutMs: 100 }));
        assert.ok(first);
        const [again] = await waitFor(async () => {
          const got = await queues.receiveMessages(jobs, receiving());
          return got.length > 0 ? got : undefined;
        }, "the message to become visible again");
        assert.equal(again?.messageId, first.messageId);
        assert.equal(again?.receiveCount, 2);
        assert.notEqual(again?.receiptHandle, first.receiptHandle);
        assert.equal(again?.firstReceivedAt, first.firstReceivedAt);
        assert.equal(await queues.deleteMessage(jobs, first.receiptHandle), false, "the old handle is stale");
        assert.equal(await queues.deleteMessage(jobs, again?.receiptHandle as string), true);
      }));

    it("changes the visibility of an in-flight message only with its current handle", () =>
      withStore(async ({ queues }) => {
        await queues.sendMessages(jobs, [message("m")], STANDARD);
        const [received] = await queues.receiveMessages(jobs, receiving());
        assert.ok(received);
        assert.equal(await queues.changeVisibility(jobs, "nope", 0), false);
        assert.equal(await queues.changeVisibility(jobs, received.receiptHandle, 0), true);
        assert.deepEqual(await bodies(queues), ["m"], "visibility 0 returns it at once");
        assert.equal(await queues.changeVisibility(dlq, received.receiptHandle, 0), false, "another queue");
      }));

    it("keeps delayed messages invisible until the delay has passed", () =>
      withStore(async ({ queues }) => {
        await queues.sendMessages(jobs, [message("later", { delayMs: 150 }), message("now")], STANDARD);
        assert.deepEqual(await bodies(queues), ["now"]);
        assert.equal((await queues.stats(jobs)).delayed, 1);
        const later = await waitFor(async () => {
          const got = await bodies(queues);
          return got.length > 0 ? got : undefined;
        }, "the delayed message");
        assert.deepEqual(later, ["later"]);
      }));

    it("drops messages older than the retention period", () =>
      withStore(async ({ queues }) => {
        await queues.sendMessages(jobs, [message("short-lived")], { ...STANDARD, retentionMs: 50 });
        await queues.sendMessages(jobs, [message("kept")], STANDARD);
        await waitFor(async () => (await queues.stats(jobs)).visible === 1, "the first message to expire");
        assert.deepEqual(await bodies(queues), ["kept"]);
      }));

    it("accepts a repeated deduplication id within the window without storing it again", () =>
      withStore(async ({ queues }) => {
        const [first] = await queues.sendMessages(jobs, [message("a", { deduplicationId: "d1" })], STANDARD);
        const [repeat, other] = await queues.sendMessages(
          jobs,
          [message("a again", { deduplicationId: "d1" }), message("b", { deduplicationId: "d2" })],
          STANDARD,
        );
        assert.equal(repeat?.duplicate, true);
        assert.equal(repeat?.messageId, first?.messageId);
        assert.equal(other?.duplicate, false);
        assert.deepEqual(await bodies(queues), ["a", "b"]);
        await queues.sendMessages(jobs, [message("c", { deduplicationId: "w" })], {
          ...STANDARD,
          deduplicationWindowMs: 30,
        });
        await queues.purge(jobs);
        // After the window the same id is a new message.
        const stored = await waitFor(async () => {
          const [sent] = await queues.sendMessages(jobs, [message("c2", { deduplicationId: "w" })], STANDARD);
          return sent?.duplicate === false ? sent : undefined;
        }, "the deduplication window to end");
        assert.ok(stored.messageId);
      }));

    it("delivers a FIFO group in order and holds it while a message of it is in flight", () =>
      withStore(async ({ queues }) => {
        await queues.sendMessages(
          jobs,
          [
            message("a1", { groupId: "a" }),
            message("b1", { groupId: "b" }),
            message("a2", { groupId: "a" }),
            message("a3", { groupId: "a" }),
          ],
          FIFO,
        );
        const fifo = receiving({ fifo: true, maxMessages: 2 });
        const first = await queues.receiveMessages(jobs, fifo);
        assert.deepEqual(
          first.map((m) => m.body),
          ["a1", "b1"],
        );
        // a2 and a3 wait while a1 is in flight, whatever the batch size.
        assert.deepEqual(await bodies(queues, receiving({ fifo: true })), []);
        await queues.deleteMessage(jobs, first[0]?.receiptHandle as string);
        assert.deepEqual(await bodies(queues, receiving({ fifo: true })), ["a2", "a3"]);
        const sequence = first.map((m) => m.sequenceNumber);
        assert.ok((sequence[0] as number) < (sequence[1] as number));
      }));

    it("returns a failed FIFO message before the rest of its group", () =>
      withStore(async ({ queues }) => {
        await queues.sendMessages(
          jobs,
          [message("x1", { groupId: "g" }), message("x2", { groupId: "g" })],
          FIFO,
        );
        const [x1] = await queues.receiveMessages(jobs, receiving({ fifo: true, maxMessages: 1 }));
        await queues.changeVisibility(jobs, x1?.receiptHandle as string, 0);
        assert.deepEqual(await bodies(queues, receiving({ fifo: true })), ["x1", "x2"]);
      }));

    it("moves a message received maxReceiveCount times to the dead-letter queue, and redrives it", () =>
      withStore(async ({ queues }) => {
        await queues.sendMessages(jobs, [message("poison"), message("fine")], STANDARD);
        const redrive = { deadLetterQueue: dlq.queue, maxReceiveCount: 2, deadLetterRetentionMs: 60_000 };
        const options = receiving({ redrive, visibilityTimeoutMs: 0 });
        for (let attempt = 1; attempt <= 2; attempt++) {
          const got = await queues.receiveMessages(jobs, options);
          assert.deepEqual(
            got.map((m) => [m.body, m.receiveCount]),
            [
              ["poison", attempt],
              ["fine", attempt],
            ],
          );
          if (attempt === 2) await queues.deleteMessage(jobs, got[1]?.receiptHandle as string);
        }
        assert.deepEqual(await queues.receiveMessages(jobs, options), [], "the third receive moves it");
        assert.equal((await queues.stats(dlq)).visible, 1);
        const [dead] = await queues.receiveMessages(dlq, receiving({ visibilityTimeoutMs: 0 }));
        assert.deepEqual([dead?.body, dead?.receiveCount], ["poison", 1]);
        assert.equal(await queues.redrive(dlq, { queue: jobs.queue, retentionMs: 60_000 }, undefined), 1);
        assert.equal((await queues.stats(dlq)).visible, 0);
        const [back] = await queues.receiveMessages(jobs, receiving());
        assert.deepEqual([back?.body, back?.receiveCount, back?.messageId], ["poison", 1, dead?.messageId]);
      }));

    it("redrives at most maxMessages, oldest first, and purges", () =>
      withStore(async ({ queues }) => {
        await queues.sendMessages(dlq, [message("1"), message("2"), message("3")], STANDARD);
        assert.equal(await queues.redrive(dlq, { queue: jobs.queue, retentionMs: 60_000 }, 2), 2);
        assert.deepEqual(await bodies(queues), ["1", "2"]);
        assert.equal(await queues.purge(dlq), 1);
        assert.equal(await queues.purge(dlq), 0);
        assert.deepEqual(await queues.stats(dlq), {
          visible: 0,
          inFlight: 0,
          delayed: 0,
          oldestAgeMs: undefined,
        });
      }));

    it("never gives one message to two concurrent receivers", () =>
      withStore(async ({ queues }) => {
        const count = 60;
        const batch = (start: number) =>
          Array.from({ length: 10 }, (_, index) => message(String(start + index)));
        for (let start = 0; start < count; start += 10)
          await queues.sendMessages(jobs, batch(start), STANDARD);
        const seen: string[] = [];
        await Promise.all(
          Array.from({ length: 6 }, async () => {
            for (;;) {
              const got = await queues.receiveMessages(jobs, receiving({ maxMessages: 3 }));
              if (got.length === 0) return;
              seen.push(...got.map((m) => m.body));
            }
          }),
        );
        assert.equal(seen.length, count);
        assert.equal(new Set(seen).size, count);
      }));

    it("keeps queues of different apps apart", () =>
      withStore(async ({ queues }) => {
        await queues.sendMessages({ app: "other", queue: "jobs" }, [message("theirs")], STANDARD);
        assert.deepEqual(await bodies(queues), []);
        assert.equal(await queues.purge(jobs), 0);
        assert.equal((await queues.stats({ app: "other", queue: "jobs" })).visible, 1);
      }));
  });
}
