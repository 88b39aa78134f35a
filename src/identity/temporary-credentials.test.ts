// Temporary credentials against actions whose services plug in later (buckets): the one
// authorization point already confines them to their prefix. A real key ring on SQLite.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { appResource } from "../core/policy/index.ts";
import { openSqliteStore } from "../store/sqlite/index.ts";
import { Authorizer } from "./authorize.ts";
import { Envelope } from "./crypto/envelope.ts";
import type { UserPrincipal } from "./principal.ts";
import { TemporaryCredentials } from "./temporary-credentials.ts";
import { SigningKeyRing } from "./tokens/signing-keys.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-temporary-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("temporary credentials and bucket actions", () => {
  it("lets PUT only under photos/uploads/<my id>/, for the duration asked", async () => {
    const store = openSqliteStore(root);
    try {
      const keys = new SigningKeyRing(store.signingKeys, new Envelope(randomBytes(32), "signing-keys"), {
        rotationMs: 86_400_000,
        maxTokenTtlMs: 86_400_000,
      });
      await keys.start();
      const authorizer = new Authorizer({
        accessKeyPolicies: async () => [],
        // The pool's role: everything in the photos bucket under the user's own id.
        userPolicies: async () => [
          {
            name: "userpool",
            statements: [
              {
                effect: "allow",
                actions: ["buckets:*"],
                resources: ["nrn:album:bucket/photos/uploads/${principal.userId}/*"],
              },
            ],
          },
        ],
      });
      const user: UserPrincipal = { kind: "user", app: "album", userId: "u1", username: "ada", groups: [] };
      const credentials = new TemporaryCredentials(keys);
      const issued = await credentials.issue(user, {
        policy: { statements: [{ actions: "buckets:PutObject", resources: "bucket/photos/uploads/u1/*" }] },
        durationSeconds: 900,
      });
      assert.ok(Math.abs(issued.expiresAt - (Date.now() + 900_000)) < 2_000);
      const principal = await credentials.verify(issued.token);
      const may = async (action: string, key: string) =>
        (await authorizer.authorize(principal, action, appResource("album", `bucket/photos/${key}`))).allowed;
      assert.equal(await may("buckets:PutObject", "uploads/u1/cat.jpg"), true);
      assert.equal(await may("buckets:PutObject", "uploads/u2/cat.jpg"), false);
      assert.equal(
        await may("buckets:GetObject", "uploads/u1/cat.jpg"),
        false,
        "the parent may; the session does not",
      );
      assert.equal(await may("buckets:DeleteObject", "uploads/u1/cat.jpg"), false);
    } finally {
      await store.close();
    }
  });
});
