import assert from "node:assert/strict";
import { test } from "node:test";
import { NimbusError } from "../errors.ts";
import {
  applyUpdate,
  evaluateCondition,
  parseCondition,
  parseKeyCondition,
  parseProjection,
  parseUpdate,
  project,
} from "./index.ts";
import type { TableItem } from "./values.ts";

const item: TableItem = {
  userId: "u1",
  version: 3,
  name: "Ada",
  tags: ["a", "b"],
  address: { city: "Paris" },
  status: "open",
};

function holds(
  expression: string,
  values: Record<string, TableItem[string]> = {},
  names: Record<string, string> = {},
  on: TableItem = item,
): boolean {
  return evaluateCondition(parseCondition(expression, { values, names }), on);
}

function invalid(run: () => unknown, position?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof NimbusError);
    assert.equal(error.code, "TABLE_EXPRESSION_INVALID");
    if (position) assert.match(error.message, position);
    return true;
  });
}

test("conditions: exists, comparisons, version match, boolean logic, functions", () => {
  assert.equal(holds("attribute_exists(userId)"), true);
  assert.equal(holds("attribute_not_exists(deletedAt)"), true);
  assert.equal(holds("version = :v", { ":v": 3 }), true);
  assert.equal(holds("version = :v", { ":v": 2 }), false);
  assert.equal(holds("version < :v AND #n = :name", { ":v": 4, ":name": "Ada" }, { "#n": "name" }), true);
  assert.equal(holds("NOT (version >= :v) OR address.city = :c", { ":v": 4, ":c": "Paris" }), true);
  assert.equal(holds("version BETWEEN :lo AND :hi", { ":lo": 1, ":hi": 3 }), true);
  assert.equal(holds("#s IN (:a, :b)", { ":a": "closed", ":b": "open" }, { "#s": "status" }), true);
  assert.equal(
    holds("begins_with(#n, :p) AND contains(tags, :t)", { ":p": "Ad", ":t": "b" }, { "#n": "name" }),
    true,
  );
  assert.equal(holds("size(tags) = :two AND tags[1] = :b", { ":two": 2, ":b": "b" }), true);
  assert.equal(holds("attribute_type(address, :map)", { ":map": "map" }), true);
  // Different types never order, and a missing attribute fails every comparison, even <>.
  assert.equal(holds("version < :s", { ":s": "9" }), false);
  assert.equal(holds("missing <> :v", { ":v": 1 }), false);
  // The condition of a write that creates the item sees an empty item.
  assert.equal(holds("attribute_not_exists(userId)", {}, {}, {}), true);
});

test("malformed conditions are TABLE_EXPRESSION_INVALID with a position", () => {
  invalid(() => parseCondition("version = ", {}), /position 11/);
  invalid(() => parseCondition("version = :v", {}), /:v is not given/);
  invalid(() => parseCondition("#x = :v", { values: { ":v": 1 } }), /#x is not given/);
  invalid(() => parseCondition("version == :v", { values: { ":v": 1 } }));
  invalid(() => parseCondition("(version = :v", { values: { ":v": 1 } }), /expected "\)"/);
  invalid(() => parseCondition("and = :v", { values: { ":v": 1 } }), /reserved word/);
  invalid(() => parseCondition("version $ 1", {}), /unexpected character/);
  invalid(() => parseCondition("  ", {}), /empty/);
  invalid(() => parseCondition("version = :v extra", { values: { ":v": 1 } }), /unexpected "extra"/);
});

test("updates: SET with arithmetic, if_not_exists and list_append; REMOVE; ADD; DELETE", () => {
  const values = { ":one": 1, ":more": ["c"], ":zero": 0, ":x": "X", ":gone": ["a"], ":tags": ["d"] };
  const actions = parseUpdate(
    "SET version = version + :one, views = if_not_exists(views, :zero) + :one, tags = list_append(tags, :more), address.zip = :x REMOVE #s ADD counter :one, labels :tags DELETE old :gone",
    { values, names: { "#s": "status" } },
  );
  const updated = applyUpdate(actions, { ...item, old: ["a", "z"] });
  assert.deepEqual(updated, {
    userId: "u1",
    version: 4,
    name: "Ada",
    tags: ["a", "b", "c"],
    address: { city: "Paris", zip: "X" },
    views: 1,
    counter: 1,
    labels: ["d"],
    old: ["z"],
  });
  assert.equal(item.version, 3, "the item read is not changed");
});

test("REMOVE of several list elements uses the indexes as they were", () => {
  const updated = applyUpdate(parseUpdate("REMOVE tags[0], tags[2]", {}), { tags: ["a", "b", "c", "d"] });
  assert.deepEqual(updated.tags, ["b", "d"]);
});

test("bad updates are TABLE_EXPRESSION_INVALID and name the problem", () => {
  invalid(() => parseUpdate("SET a = :v SET b = :v", { values: { ":v": 1 } }), /SET appears twice/);
  invalid(() => parseUpdate("SET a = :v, a.b = :v", { values: { ":v": 1 } }), /overlapping/);
  invalid(() => parseUpdate("PUT a = :v", { values: { ":v": 1 } }), /expected SET, REMOVE, ADD or DELETE/);
  invalid(() => parseUpdate("ADD a b", {}), /expected a :value/);
  invalid(
    () => applyUpdate(parseUpdate("ADD #n :one", { names: { "#n": "name" }, values: { ":one": 1 } }), item),
    /ADD name/,
  );
  invalid(
    () =>
      applyUpdate(parseUpdate("SET n = #n + :one", { names: { "#n": "name" }, values: { ":one": 1 } }), item),
    /two numbers/,
  );
  invalid(
    () => applyUpdate(parseUpdate("SET a.b.c = :one", { values: { ":one": 1 } }), item),
    /does not exist/,
  );
  invalid(
    () => applyUpdate(parseUpdate("SET t = list_append(version, :l)", { values: { ":l": [] } }), item),
    /list_append/,
  );
});

test("key conditions: the partition key and one sort key condition", () => {
  const keys = { partitionKey: "userId", sortKey: "createdAt" };
  assert.deepEqual(parseKeyCondition("userId = :u", { values: { ":u": "u1" } }, keys), {
    partition: "u1",
    sort: undefined,
  });
  assert.deepEqual(
    parseKeyCondition(
      "userId = :u AND createdAt BETWEEN :a AND :b",
      { values: { ":u": "u1", ":a": 1, ":b": 5 } },
      keys,
    ),
    { partition: "u1", sort: { op: "between", low: 1, high: 5 } },
  );
  assert.deepEqual(
    parseKeyCondition(
      "begins_with(createdAt, :p) AND userId = :u",
      { values: { ":u": "u1", ":p": "2026-" } },
      keys,
    ),
    { partition: "u1", sort: { op: "beginsWith", prefix: "2026-" } },
  );
  invalid(
    () => parseKeyCondition("createdAt > :a", { values: { ":a": 1 } }, keys),
    /must include "userId = :value"/,
  );
  invalid(() => parseKeyCondition("userId = :u OR createdAt > :a", { values: { ":u": "u", ":a": 1 } }, keys));
  invalid(() => parseKeyCondition("userId = :u AND other = :u", { values: { ":u": "u" } }, keys));
  invalid(
    () => parseKeyCondition("userId = :u", { values: { ":u": { no: 1 } } }, keys),
    /string or a number/,
  );
});

test("projections keep the named parts", () => {
  const paths = parseProjection("#n, address.city, tags[1]", { names: { "#n": "name" } });
  assert.deepEqual(project(item, paths), { name: "Ada", address: { city: "Paris" }, tags: ["b"] });
});
