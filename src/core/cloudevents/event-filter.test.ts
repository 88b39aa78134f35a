import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type EventPattern, eventPatternProblems, matchesPattern } from "./event-filter.ts";

const event = {
  type: "order.created",
  source: "/apps/shop/api",
  data: { total: 120, currency: "EUR", customer: { tier: "gold" }, tags: ["gift", "rush"], coupon: null },
};

function matches(pattern: EventPattern): boolean {
  return matchesPattern(pattern, event);
}

describe("event patterns", () => {
  it("matches exact values, nested fields, arrays in the event, and ORs within a field", () => {
    assert.equal(matches({ type: ["order.created"] }), true);
    assert.equal(matches({ type: ["order.paid", "order.created"] }), true);
    assert.equal(matches({ type: ["order.paid"] }), false);
    assert.equal(matches({ data: { customer: { tier: ["gold"] } } }), true);
    assert.equal(matches({ data: { tags: ["rush"] } }), true, "any element of an array");
    assert.equal(matches({ data: { coupon: [null] } }), true);
    assert.equal(matches({ type: ["order.created"], data: { currency: ["USD"] } }), false, "fields AND");
  });

  it("matches prefixes", () => {
    assert.equal(matches({ type: [{ prefix: "order." }] }), true);
    assert.equal(matches({ source: [{ prefix: "/apps/other" }] }), false);
  });

  it("matches anything-but a value, a list or a prefix", () => {
    assert.equal(matches({ data: { currency: [{ "anything-but": "USD" }] } }), true);
    assert.equal(matches({ data: { currency: [{ "anything-but": ["USD", "EUR"] }] } }), false);
    assert.equal(matches({ type: [{ "anything-but": { prefix: "order." } }] }), false);
    assert.equal(matches({ data: { missing: [{ "anything-but": "x" }] } }), false, "needs the field");
  });

  it("matches numeric ranges", () => {
    assert.equal(matches({ data: { total: [{ numeric: [">", 100] }] } }), true);
    assert.equal(matches({ data: { total: [{ numeric: [">", 100, "<=", 120] }] } }), true);
    assert.equal(matches({ data: { total: [{ numeric: [">=", 121] }] } }), false);
    assert.equal(matches({ data: { total: [{ numeric: ["=", 120] }] } }), true);
    assert.equal(matches({ data: { currency: [{ numeric: [">", 0] }] } }), false, "only numbers");
  });

  it("matches the presence or absence of a field", () => {
    assert.equal(matches({ data: { total: [{ exists: true }] } }), true);
    assert.equal(matches({ data: { refund: [{ exists: false }] } }), true);
    assert.equal(matches({ data: { refund: [{ exists: true }] } }), false);
    assert.equal(matches({ data: { total: [{ exists: false }] } }), false);
  });

  it("lists every problem of an invalid pattern", () => {
    assert.deepEqual(eventPatternProblems({ type: ["a"], data: { total: [{ numeric: [">"] }] } }), [
      "filter.data.total[0]: numeric takes [op, number] or [op, number, op, number] with op in = < <= > >=",
    ]);
    assert.deepEqual(eventPatternProblems({ type: [{ suffix: "x" }] }), [
      'filter.type[0]: unknown matcher "suffix" (prefix, anything-but, numeric, exists, or a value)',
    ]);
    assert.deepEqual(eventPatternProblems({ type: [] }), ["filter.type: list at least one matcher"]);
    assert.deepEqual(eventPatternProblems({ type: "order.created" }), [
      "filter.type: a pattern is an object of field names",
    ]);
    assert.deepEqual(eventPatternProblems({ type: [{ exists: "yes" }] }), [
      "filter.type[0]: exists takes true or false",
    ]);
    assert.deepEqual(eventPatternProblems({ type: ["ok"], source: [{ prefix: "/" }] }), []);
  });
});
