import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AliasRecord } from "../store/function-version-ports.ts";
import { aliasRollbackTarget, checkAliasTarget } from "./alias-operations.ts";
import { pickAliasVersion, versionsOfAlias } from "./alias-routing.ts";

const alias = (overrides: Partial<AliasRecord> = {}): AliasRecord => ({
  app: "shop",
  functionName: "api",
  name: "live",
  version: 7,
  canary: undefined,
  previousVersion: undefined,
  updatedAt: 0,
  ...overrides,
});

describe("alias routing and changes", () => {
  it("sends the canary exactly its share of the [0, 1) draws", () => {
    const weighted = alias({ canary: { version: 8, weight: 0.1 } });
    assert.equal(pickAliasVersion(weighted, 0), 8);
    assert.equal(pickAliasVersion(weighted, 0.0999), 8);
    assert.equal(pickAliasVersion(weighted, 0.1), 7);
    assert.equal(pickAliasVersion(weighted, 0.999), 7);
    assert.equal(pickAliasVersion(alias(), 0), 7);
  });

  it("keeps the alias's version, its canary's and the one before active", () => {
    assert.deepEqual(
      versionsOfAlias(alias({ canary: { version: 8, weight: 0.5 }, previousVersion: 6 })),
      [7, 8, 6],
    );
  });

  it("rolls back off a canary first, then to the previous version, else refuses", () => {
    assert.deepEqual(
      aliasRollbackTarget(alias({ canary: { version: 8, weight: 0.1 }, previousVersion: 6 })),
      {
        version: 7,
      },
    );
    assert.deepEqual(aliasRollbackTarget(alias({ previousVersion: 6 })), { version: 6 });
    assert.throws(() => aliasRollbackTarget(alias()), /nothing to roll back to/);
  });

  it("refuses names that are versions or $LATEST, and weights outside (0, 1)", () => {
    for (const name of ["12", "$LATEST", "a b", ""])
      assert.throws(() => checkAliasTarget(name, { version: 1 }), /alias name/);
    for (const weight of [0, 1, -0.2, 1.5, Number.NaN]) {
      assert.throws(() => checkAliasTarget("live", { version: 1, canary: { version: 2, weight } }), /weight/);
    }
    assert.doesNotThrow(() => checkAliasTarget("live", { version: 1, canary: { version: 2, weight: 0.25 } }));
  });
});
