import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type WithStore, waitFor } from "./support.ts";

// Mixed case and punctuation: the PostgreSQL adapter must quote channel names, not fold them.
const CHANNEL = "Nimbus.Deploys";

export function describeChangeFeedConformance(withStore: WithStore): void {
  describe("change feed", () => {
    it("delivers a payload to every subscriber of its channel, and to no other channel", () =>
      withStore(async ({ changes }) => {
        const first: string[] = [];
        const second: string[] = [];
        const other: string[] = [];
        await changes.subscribe(CHANNEL, (payload) => first.push(payload));
        await changes.subscribe(CHANNEL, (payload) => second.push(payload));
        await changes.subscribe("nimbus.deploys", (payload) => other.push(payload));
        await changes.publish(CHANNEL, "shop@2");
        await waitFor(() => first.length > 0 && second.length > 0, "both subscribers to hear the deploy");
        assert.deepEqual(first, ["shop@2"]);
        assert.deepEqual(second, ["shop@2"]);
        assert.deepEqual(other, []);
      }));

    it("delivers payloads in publish order and byte for byte", () =>
      withStore(async ({ changes }) => {
        const received: string[] = [];
        await changes.subscribe(CHANNEL, (payload) => received.push(payload));
        const sent = ["1", "", "ünïcödé ✓ 'quoted' \"double\"", "x".repeat(7_999)];
        for (const payload of sent) await changes.publish(CHANNEL, payload);
        await waitFor(() => received.length === sent.length, "every payload");
        assert.deepEqual(received, sent);
      }));

    it("stops delivering to a listener once it unsubscribed", () =>
      withStore(async ({ changes }) => {
        const gone: string[] = [];
        const staying: string[] = [];
        const unsubscribe = await changes.subscribe(CHANNEL, (payload) => gone.push(payload));
        await changes.subscribe(CHANNEL, (payload) => staying.push(payload));
        await unsubscribe();
        await unsubscribe(); // twice is harmless
        await changes.publish(CHANNEL, "after");
        await waitFor(() => staying.length > 0, "the remaining subscriber to hear it");
        assert.deepEqual(gone, []);
        // The channel's last listener leaving, then a new one arriving, still works.
        const again: string[] = [];
        const unsubscribeStaying = await changes.subscribe("nimbus.again", (payload) => again.push(payload));
        await unsubscribeStaying();
        await changes.subscribe("nimbus.again", (payload) => again.push(payload));
        await changes.publish("nimbus.again", "back");
        await waitFor(() => again.length > 0, "the re-subscribed listener");
        assert.deepEqual(again, ["back"]);
      }));

    it("refuses channels and payloads PostgreSQL's NOTIFY cannot carry", () =>
      withStore(async ({ changes }) => {
        await assert.rejects(changes.publish("", "x"), RangeError);
        await assert.rejects(changes.publish("c".repeat(64), "x"), RangeError);
        await assert.rejects(changes.publish(CHANNEL, "x".repeat(8_000)), RangeError);
        await assert.rejects(
          changes.publish(CHANNEL, "é".repeat(4_000)),
          RangeError,
          "the limit is in bytes",
        );
        await assert.rejects(
          changes.subscribe("", () => {}),
          RangeError,
        );
      }));
  });
}
