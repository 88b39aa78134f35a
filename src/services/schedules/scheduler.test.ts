import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseManifest } from "../../core/manifest/parse.ts";
import { parseScheduleExpression, type ScheduleExpression } from "../../core/manifest/schedules.ts";
import { dueFires } from "./scheduler.ts";

function expression(text: string, timezone?: string): ScheduleExpression {
  const parsed = parseScheduleExpression(text, timezone);
  assert.ok(typeof parsed !== "string", String(parsed));
  return parsed;
}

describe("schedule expressions", () => {
  it("parses rates and cron expressions with a time zone", () => {
    assert.deepEqual(expression("rate(5 minutes)"), { kind: "rate", everyMs: 300_000 });
    assert.deepEqual(expression("rate(1 day)"), { kind: "rate", everyMs: 86_400_000 });
    assert.deepEqual(expression("cron(0 3 * * *)", "Europe/Paris"), {
      kind: "cron",
      pattern: "0 3 * * *",
      timezone: "Europe/Paris",
    });
    assert.match(String(parseScheduleExpression("rate(5 fortnights)")), /expected "rate/);
    assert.match(String(parseScheduleExpression("cron(61 * * * *)")), /invalid cron expression/);
    assert.match(String(parseScheduleExpression("cron(0 3 * * *)", "Mars/Olympus")), /time zone/);
  });

  it("refuses an invalid cron, a rate with a time zone and unknown targets at deploy", () => {
    const manifest = [
      "app: clock",
      "functions:",
      "  tick:",
      "    handler: src/tick.handler",
      "schedules:",
      "  bad-cron: { schedule: 'cron(0 25 * * *)', target: { function: tick } }",
      "  zoned-rate: { schedule: 'rate(1 minute)', timezone: UTC, target: { function: tick } }",
      "  lost: { schedule: 'rate(1 minute)', target: { topic: nowhere } }",
    ].join("\n");
    assert.throws(
      () => parseManifest(manifest),
      (error: Error) =>
        /schedules\.bad-cron\.schedule: invalid cron/.test(error.message) &&
        /schedules\.zoned-rate\.timezone: only cron schedules take a time zone/.test(error.message) &&
        /schedules\.lost\.target: no topic "nowhere"/.test(error.message),
    );
  });
});

describe("due fires", () => {
  const minute = expression("rate(1 minute)");

  it("finds the fire times of a rate on its grid from the anchor", () => {
    assert.equal(dueFires(minute, 0, 0, 59_999), undefined);
    assert.deepEqual(dueFires(minute, 0, 0, 60_000), { first: 60_000, latest: 60_000, count: 1 });
    assert.deepEqual(dueFires(minute, 60_000, 0, 60_000 * 5 + 10), {
      first: 120_000,
      latest: 300_000,
      count: 4,
    });
  });

  it("finds the latest missed cron time in its time zone", () => {
    const newYear = expression("cron(0 0 1 1 *)", "Europe/Paris");
    const due = dueFires(newYear, Date.parse("2024-01-01T00:00:00Z"), 0, Date.parse("2026-06-01T00:00:00Z"));
    assert.deepEqual(
      due && [new Date(due.first).toISOString(), new Date(due.latest).toISOString(), due.count],
      ["2024-12-31T23:00:00.000Z", "2025-12-31T23:00:00.000Z", 2],
    );
  });
});
