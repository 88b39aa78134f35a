// Key rotation by age and retirement of replaced keys, on a real SQLite store with a clock
// the test moves (rotation periods are days).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { decodeProtectedHeader } from "jose";
import { openSqliteStore } from "../../store/sqlite/index.ts";
import { Envelope } from "../crypto/envelope.ts";
import { signToken, verifyToken } from "./jwt.ts";
import { SigningKeyRing } from "./signing-keys.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-keys-"));
after(() => rmSync(root, { recursive: true, force: true }));

const DAY_MS = 24 * 60 * 60_000;

describe("signing keys", () => {
  it("rotates by age, keeps the old key verifying for the longest token life, then deletes it", async () => {
    const store = openSqliteStore(join(root, "rotation"));
    try {
      let now = Date.now();
      const ring = new SigningKeyRing(store.signingKeys, new Envelope(randomBytes(32), "signing-keys"), {
        rotationMs: 30 * DAY_MS,
        maxTokenTtlMs: DAY_MS,
        now: () => now,
      });
      await ring.start();
      const first = await ring.current();
      assert.equal(ring.jwks().keys.length, 1);
      const { token } = await signToken(
        ring,
        { token_use: "test" },
        { issuer: "nimbus", audience: "nimbus", subject: "s", ttlMs: 60_000 },
      );
      assert.equal(decodeProtectedHeader(token).kid, first.kid);

      now += 31 * DAY_MS;
      const second = await ring.current();
      assert.notEqual(second.kid, first.kid, "a key past its rotation period is replaced");
      assert.deepEqual(
        ring.jwks().keys.map((key) => key.kid),
        [second.kid, first.kid],
      );
      assert.ok(await ring.verificationKey(first.kid), "the replaced key still verifies");

      now += DAY_MS + 1;
      assert.equal(
        await ring.verificationKey(first.kid),
        undefined,
        "…until every token it signed has expired",
      );
      await ring.rotate();
      assert.equal(
        (await store.signingKeys.listSigningKeys()).some((key) => key.kid === first.kid),
        false,
      );
    } finally {
      await store.close();
    }
  });

  it("shares keys between nodes through the store", async () => {
    const store = openSqliteStore(join(root, "shared"));
    try {
      const masterKey = randomBytes(32);
      const options = { rotationMs: DAY_MS, maxTokenTtlMs: DAY_MS };
      const nodeA = new SigningKeyRing(store.signingKeys, new Envelope(masterKey, "signing-keys"), options);
      const nodeB = new SigningKeyRing(store.signingKeys, new Envelope(masterKey, "signing-keys"), options);
      await nodeA.start();
      await nodeB.start();
      await nodeA.rotate();
      const expected = { issuer: "nimbus", audience: "nimbus" };
      const { token } = await signToken(
        nodeA,
        { token_use: "test" },
        { ...expected, subject: "s", ttlMs: 60_000 },
      );
      assert.equal(
        (await verifyToken(nodeB, token, expected)).sub,
        "s",
        "node B loads node A's new key on demand",
      );
    } finally {
      await store.close();
    }
  });
});
