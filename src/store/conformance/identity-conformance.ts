// Conformance for the identity and secrets ports: both adapters must behave the same.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { UserRecord } from "../identity-ports.ts";
import type { WithStore } from "./support.ts";

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    app: "shop",
    userId: "u-1",
    username: "ada",
    email: "ada@example.com",
    emailVerified: false,
    passwordHash: "scrypt$x",
    status: "unconfirmed",
    enabled: true,
    groups: [],
    failedSignIns: 0,
    lockedUntil: undefined,
    createdAt: 1_000,
    ...overrides,
  };
}

export function describeIdentityConformance(withStore: WithStore): void {
  describe("access keys", () => {
    it("creates, reads, lists and revokes once", () =>
      withStore(async (store) => {
        const record = {
          id: "NAK1",
          name: "ci",
          secretCiphertext: "v1.x",
          policy: '{"statements":[]}',
          createdAt: 5,
          revokedAt: undefined,
        };
        await store.accessKeys.createAccessKey(record);
        await store.accessKeys.createAccessKey({ ...record, id: "NAK2", createdAt: 6 });
        assert.deepEqual(await store.accessKeys.getAccessKey("NAK1"), record);
        assert.equal(await store.accessKeys.getAccessKey("nope"), undefined);
        assert.deepEqual(
          (await store.accessKeys.listAccessKeys()).map((key) => key.id),
          ["NAK1", "NAK2"],
        );
        assert.equal(await store.accessKeys.revokeAccessKey("NAK1", 9), true);
        assert.equal(await store.accessKeys.revokeAccessKey("NAK1", 10), false);
        assert.equal((await store.accessKeys.getAccessKey("NAK1"))?.revokedAt, 9);
      }));
  });

  describe("secrets", () => {
    it("numbers versions per name, reads the latest or a given one, lists the latest of each", () =>
      withStore(async (store) => {
        const put = (name: string, ciphertext: string, type: "plain" | "secret" = "secret") =>
          store.secrets.putSecretVersion({ app: "shop", name, type, ciphertext, createdAt: 7 });
        assert.equal((await put("db/password", "c1")).version, 1);
        assert.equal((await put("db/password", "c2")).version, 2);
        assert.equal((await put("color", "c3", "plain")).version, 1);
        await store.secrets.putSecretVersion({
          app: "blog",
          name: "color",
          type: "plain",
          ciphertext: "x",
          createdAt: 1,
        });
        assert.equal((await store.secrets.getSecret("shop", "db/password"))?.ciphertext, "c2");
        assert.equal((await store.secrets.getSecret("shop", "db/password", 1))?.ciphertext, "c1");
        assert.equal(await store.secrets.getSecret("shop", "db/password", 3), undefined);
        assert.deepEqual(
          (await store.secrets.listSecrets("shop")).map((s) => [s.name, s.version, s.type]),
          [
            ["color", 1, "plain"],
            ["db/password", 2, "secret"],
          ],
        );
        assert.equal(await store.secrets.deleteSecret("shop", "db/password"), 2);
        assert.equal(await store.secrets.getSecret("shop", "db/password"), undefined);
        assert.equal((await store.secrets.getSecret("blog", "color"))?.ciphertext, "x");
      }));

    it("gives concurrent puts of one name distinct, consecutive versions", () =>
      withStore(async (store) => {
        const puts = Array.from({ length: 10 }, (_, index) =>
          store.secrets.putSecretVersion({
            app: "shop",
            name: "n",
            type: "secret",
            ciphertext: `c${index}`,
            createdAt: 1,
          }),
        );
        const versions = (await Promise.all(puts)).map((record) => record.version).toSorted((a, b) => a - b);
        assert.deepEqual(
          versions,
          Array.from({ length: 10 }, (_, index) => index + 1),
        );
      }));
  });

  describe("signing keys", () => {
    it("lists newest first and deletes", () =>
      withStore(async (store) => {
        const key = (kid: string, createdAt: number) => ({
          kid,
          algorithm: "ES256",
          publicJwk: "{}",
          privateJwkCiphertext: "v1.x",
          createdAt,
        });
        await store.signingKeys.addSigningKey(key("old", 1));
        await store.signingKeys.addSigningKey(key("new", 2));
        assert.deepEqual(
          (await store.signingKeys.listSigningKeys()).map((k) => k.kid),
          ["new", "old"],
        );
        await store.signingKeys.deleteSigningKey("old");
        assert.deepEqual(await store.signingKeys.listSigningKeys(), [key("new", 2)]);
      }));
  });

  describe("users", () => {
    it("keeps usernames unique per app, reads by name and id, lists and updates", () =>
      withStore(async (store) => {
        assert.equal(await store.users.createUser(user()), true);
        assert.equal(await store.users.createUser(user({ userId: "u-2" })), false);
        assert.equal(await store.users.createUser(user({ app: "blog" })), true);
        assert.equal(
          await store.users.createUser(user({ userId: "u-3", username: "bob", email: undefined })),
          true,
        );
        assert.deepEqual(await store.users.getUserByName("shop", "ada"), user());
        assert.equal((await store.users.getUserById("shop", "u-3"))?.email, undefined);
        assert.deepEqual(
          (await store.users.listUsers("shop", 10)).map((u) => u.username),
          ["ada", "bob"],
        );
        assert.equal(
          await store.users.updateUser("shop", "u-1", {
            status: "confirmed",
            emailVerified: true,
            enabled: false,
            groups: ["admins"],
            passwordHash: "scrypt$y",
          }),
          true,
        );
        const updated = await store.users.getUserById("shop", "u-1");
        assert.deepEqual(
          [updated?.status, updated?.emailVerified, updated?.enabled, updated?.groups, updated?.passwordHash],
          ["confirmed", true, false, ["admins"], "scrypt$y"],
        );
        assert.equal(await store.users.updateUser("shop", "nobody", { enabled: true }), false);
      }));

    it("counts failed sign-ins and locks at the threshold", () =>
      withStore(async (store) => {
        await store.users.createUser(user());
        assert.deepEqual(await store.users.recordFailedSignIn("shop", "u-1", 3, 500), {
          failedSignIns: 1,
          lockedUntil: undefined,
        });
        await store.users.recordFailedSignIn("shop", "u-1", 3, 500);
        assert.deepEqual(await store.users.recordFailedSignIn("shop", "u-1", 3, 500), {
          failedSignIns: 0,
          lockedUntil: 500,
        });
        await store.users.resetFailedSignIns("shop", "u-1");
        const after = await store.users.getUserById("shop", "u-1");
        assert.deepEqual([after?.failedSignIns, after?.lockedUntil], [0, undefined]);
      }));

    it("checks one-time codes: consumed when right, attempts spent when wrong, void when expired", () =>
      withStore(async (store) => {
        const code = {
          app: "shop",
          userId: "u-1",
          purpose: "verify-email" as const,
          codeHash: "h1",
          expiresAt: 1_000,
          attemptsLeft: 2,
        };
        await store.users.putCode(code);
        assert.equal(await store.users.checkCode("shop", "u-1", "verify-email", "bad", 10), "wrong");
        assert.equal(await store.users.checkCode("shop", "u-1", "reset-password", "h1", 10), "missing");
        assert.equal(await store.users.checkCode("shop", "u-1", "verify-email", "h1", 10), "ok");
        assert.equal(await store.users.checkCode("shop", "u-1", "verify-email", "h1", 10), "missing");
        await store.users.putCode(code);
        assert.equal(await store.users.checkCode("shop", "u-1", "verify-email", "bad", 10), "wrong");
        assert.equal(await store.users.checkCode("shop", "u-1", "verify-email", "bad", 10), "wrong");
        assert.equal(await store.users.checkCode("shop", "u-1", "verify-email", "h1", 10), "missing");
        await store.users.putCode(code);
        assert.equal(await store.users.checkCode("shop", "u-1", "verify-email", "h1", 1_000), "missing");
      }));

    it("stores refresh tokens and revokes one or all of a user's", () =>
      withStore(async (store) => {
        const token = (tokenHash: string, userId = "u-1") => ({
          tokenHash,
          app: "shop",
          userId,
          createdAt: 1,
          expiresAt: 2,
        });
        await store.users.putRefreshToken(token("a"));
        await store.users.putRefreshToken(token("b"));
        await store.users.putRefreshToken(token("c", "u-2"));
        assert.deepEqual(await store.users.getRefreshToken("a"), token("a"));
        assert.equal(await store.users.revokeRefreshToken("a"), true);
        assert.equal(await store.users.revokeRefreshToken("a"), false);
        assert.equal(await store.users.revokeUserRefreshTokens("shop", "u-1"), 1);
        assert.equal(await store.users.getRefreshToken("b"), undefined);
        assert.deepEqual(await store.users.getRefreshToken("c"), token("c", "u-2"));
      }));
  });

  describe("API keys", () => {
    it("finds keys by hash, lists per app, revokes, and counts quotas without overshooting", () =>
      withStore(async (store) => {
        const key = {
          id: "key_1",
          app: "shop",
          name: "mobile",
          keyHash: "hash1",
          plan: "free",
          createdAt: 1,
          revokedAt: undefined,
        };
        await store.apiKeys.createApiKey(key);
        await store.apiKeys.createApiKey({
          ...key,
          id: "key_2",
          keyHash: "hash2",
          plan: undefined,
          createdAt: 2,
        });
        assert.deepEqual(await store.apiKeys.getApiKeyByHash("hash1"), key);
        assert.deepEqual(
          (await store.apiKeys.listApiKeys("shop")).map((k) => [k.id, k.plan]),
          [
            ["key_1", "free"],
            ["key_2", undefined],
          ],
        );
        assert.equal(await store.apiKeys.revokeApiKey("blog", "key_1", 5), false);
        assert.equal(await store.apiKeys.revokeApiKey("shop", "key_1", 5), true);
        assert.equal((await store.apiKeys.getApiKeyByHash("hash1"))?.revokedAt, 5);

        const counts = await Promise.all(
          Array.from({ length: 8 }, () => store.apiKeys.consumeQuota("key_2", 100, 5)),
        );
        assert.deepEqual(counts.filter((count) => count !== undefined).toSorted(), [1, 2, 3, 4, 5]);
        assert.equal(await store.apiKeys.quotaUsed("key_2", 100), 5);
        assert.equal(await store.apiKeys.consumeQuota("key_2", 200, 5), 1);
        assert.equal(await store.apiKeys.quotaUsed("key_2", 300), 0);
        assert.equal(await store.apiKeys.consumeQuota("key_2", 300, 0), undefined);
      }));
  });
}
