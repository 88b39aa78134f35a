import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { WithStore } from "./support.ts";

export function describeScheduleConformance(withStore: WithStore): void {
  describe("schedules", () => {
    it("creates a state once, anchored at the first time it is seen", () =>
      withStore(async ({ schedules }) => {
        const first = await schedules.ensureState("shop", "nightly", 1_000);
        assert.deepEqual(first, { app: "shop", name: "nightly", anchorAt: 1_000, lastFireAt: 1_000 });
        assert.deepEqual(await schedules.ensureState("shop", "nightly", 9_000), first, "kept, not reset");
      }));

    it("advances the last fire time, never backwards, and lists an app's states", () =>
      withStore(async ({ schedules }) => {
        await schedules.ensureState("shop", "b", 1_000);
        await schedules.ensureState("shop", "a", 1_000);
        await schedules.ensureState("other", "a", 1_000);
        await schedules.recordFire("shop", "a", 5_000);
        await schedules.recordFire("shop", "a", 3_000);
        assert.deepEqual(
          (await schedules.listStates("shop")).map((state) => [state.name, state.lastFireAt]),
          [
            ["a", 5_000],
            ["b", 1_000],
          ],
        );
      }));
  });
}
