// Function versions and aliases, the same on every adapter.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FunctionConfig } from "../../core/manifest/normalize.ts";
import { parseManifest } from "../../core/manifest/parse.ts";
import type { WithStore } from "./support.ts";

const config = parseManifest(
  "app: shop\nfunctions:\n  api:\n    handler: src/api.handler\n  web:\n    handler: src/web.default\n",
).functions as Record<string, FunctionConfig>;
const api = config.api as FunctionConfig;
const web = config.web as FunctionConfig;

export function describeFunctionVersionConformance(withStore: WithStore): void {
  describe("function versions and aliases", () => {
    it("records immutable versions, idempotently, and finds the newest per function", () =>
      withStore(async (store) => {
        const versions = store.functionVersions;
        assert.deepEqual(await versions.latestVersions("shop"), []);
        await versions.publishVersions("shop", 1, [
          { functionName: "api", version: 1, hash: "a1", config: api },
          { functionName: "web", version: 1, hash: "w1", config: web },
        ]);
        await versions.publishVersions("shop", 2, [
          { functionName: "api", version: 2, hash: "a2", config: api },
        ]);
        // Publishing again (a repaired deploy) changes nothing, even with other values.
        await versions.publishVersions("shop", 9, [
          { functionName: "api", version: 2, hash: "other", config: web },
        ]);
        const latest = await versions.latestVersions("shop");
        assert.deepEqual(
          latest.map((record) => [
            record.functionName,
            record.version,
            record.hash,
            record.deploymentVersion,
          ]),
          [
            ["api", 2, "a2", 2],
            ["web", 1, "w1", 1],
          ],
        );
        // As JSON keeps it (undefined fields are dropped).
        assert.deepEqual((latest[0] as { config: FunctionConfig }).config, JSON.parse(JSON.stringify(api)));
        assert.deepEqual(
          (await versions.listVersions("shop", "api", 10)).map((record) => record.version),
          [2, 1],
        );
        assert.deepEqual(
          (await versions.listVersions("shop", "api", 1)).map((record) => record.version),
          [2],
        );
        assert.equal((await versions.getVersion("shop", "api", 1))?.hash, "a1");
        assert.equal(await versions.getVersion("shop", "api", 3), undefined);
        assert.deepEqual(await versions.latestVersions("other-app"), []);
      }));

    it("moves aliases, keeps the version before the last move, and stores canary weights", () =>
      withStore(async (store) => {
        const versions = store.functionVersions;
        const alias = (version: number, canary?: { version: number; weight: number }) =>
          versions.setAlias({ app: "shop", functionName: "api", name: "live", version, canary });
        const created = await alias(1);
        assert.equal(created.version, 1);
        assert.equal(created.previousVersion, undefined);
        assert.equal(created.canary, undefined);
        const canary = await alias(1, { version: 2, weight: 0.1 });
        assert.deepEqual(canary.canary, { version: 2, weight: 0.1 });
        assert.equal(canary.previousVersion, undefined, "a canary change alone keeps the previous version");
        const moved = await alias(2);
        assert.equal(moved.version, 2);
        assert.equal(moved.previousVersion, 1);
        assert.equal(moved.canary, undefined);
        await versions.setAlias({
          app: "shop",
          functionName: "web",
          name: "beta",
          version: 1,
          canary: undefined,
        });
        assert.deepEqual(
          (await versions.listAliases("shop")).map((record) => [
            record.functionName,
            record.name,
            record.version,
          ]),
          [
            ["api", "live", 2],
            ["web", "beta", 1],
          ],
        );
        assert.equal((await versions.getAlias("shop", "api", "live"))?.previousVersion, 1);
        assert.equal(await versions.getAlias("shop", "api", "nope"), undefined);
      }));
  });
}
