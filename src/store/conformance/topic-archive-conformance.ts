import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { WithStore } from "./support.ts";

export function describeTopicArchiveConformance(withStore: WithStore): void {
  describe("topic archives", () => {
    it("returns a time range of one topic's events in order, page by page, without expired ones", () =>
      withStore(async ({ topicArchives }) => {
        const far = Date.now() + 3_600_000;
        for (const [id, time] of [
          ["e1", 1_000],
          ["e2", 2_000],
          ["e3", 3_000],
          ["e4", 4_000],
        ] as const) {
          await topicArchives.archive(
            "shop",
            "orders",
            { eventId: id, eventTime: time, event: `{"id":"${id}"}` },
            far,
          );
        }
        await topicArchives.archive("shop", "other", { eventId: "x", eventTime: 2_500, event: "{}" }, far);
        await topicArchives.archive("shop", "orders", { eventId: "gone", eventTime: 2_500, event: "{}" }, 1);
        const first = await topicArchives.range("shop", "orders", {
          fromMs: 2_000,
          toMs: 4_000,
          afterSeq: 0,
          limit: 1,
        });
        assert.deepEqual(
          first.map((e) => [e.eventId, e.eventTime, e.event]),
          [["e2", 2_000, '{"id":"e2"}']],
        );
        const rest = await topicArchives.range("shop", "orders", {
          fromMs: 2_000,
          toMs: 4_000,
          afterSeq: first[0]?.seq ?? 0,
          limit: 10,
        });
        assert.deepEqual(
          rest.map((e) => e.eventId),
          ["e3"],
        );
      }));
  });
}
