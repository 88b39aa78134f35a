// One conformance suite for the store ports, run against every adapter
// (as Drizzle's shared integration suites): the adapters must be interchangeable.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseManifest } from "../../core/manifest/parse.ts";
import type { InvocationRecord, Store } from "../ports.ts";
import { describeAsyncInvocationConformance } from "./async-invocation-conformance.ts";
import { describeBucketObjectConformance } from "./bucket-object-conformance.ts";
import { describeChangeFeedConformance } from "./change-feed-conformance.ts";
import { describeEntityConformance } from "./entity-conformance.ts";
import { describeFunctionVersionConformance } from "./function-version-conformance.ts";
import { describeIdentityConformance } from "./identity-conformance.ts";
import { describeLeaseConformance } from "./lease-conformance.ts";
import { describeQueueConformance } from "./queue-conformance.ts";
import { describeScheduleConformance } from "./schedule-conformance.ts";
import { describeTableConformance } from "./table-conformance.ts";
import { describeTopicArchiveConformance } from "./topic-archive-conformance.ts";
import { describeWorkflowConformance } from "./workflow-conformance.ts";

const config = parseManifest("app: shop\nfunctions:\n  api:\n    handler: src/api.handler\n");

function invocation(requestId: string, overrides: Partial<InvocationRecord> = {}): InvocationRecord {
  return {
    requestId,
    app: "shop",
    functionName: "api",
    version: "1",
    startedAt: 1_000,
    durationMs: 3.2,
    billedDurationMs: 4,
    initDurationMs: undefined,
    peakMemoryMb: 48.5,
    cold: false,
    status: "success",
    errorCode: undefined,
    errorMessage: undefined,
    httpStatus: 200,
    ...overrides,
  };
}

/** `openStore` returns a fresh, empty store for each test; the suite closes it. */
export function runStoreConformance(adapter: string, openStore: () => Promise<Store>): void {
  async function withStore(work: (store: Store) => Promise<void>): Promise<void> {
    const store = await openStore();
    try {
      await work(store);
    } finally {
      await store.close();
    }
  }

  describe(`store conformance: ${adapter}`, () => {
    it("numbers deployments per app from 1 and activates the newest", () =>
      withStore(async (store) => {
        assert.equal(await store.deployments.nextVersion("shop"), 1);
        const first = await store.deployments.createDeployment({
          app: "shop",
          config,
          functionHashes: { api: "a" },
          source: "deploy",
        });
        const second = await store.deployments.createDeployment({
          app: "shop",
          config,
          functionHashes: { api: "b" },
          source: "rollback",
          sourceVersion: 1,
        });
        assert.deepEqual([first.version, second.version], [1, 2]);
        assert.equal((await store.deployments.activeDeployment("shop"))?.version, 2);
        assert.equal((await store.deployments.getDeployment("shop", 1))?.functionHashes.api, "a");
        assert.equal((await store.deployments.getDeployment("shop", 2))?.sourceVersion, 1);
        assert.deepEqual(
          (await store.deployments.listDeployments("shop", 10)).map((d) => d.version),
          [2, 1],
        );
        assert.deepEqual(await store.deployments.listApps(), [
          { app: "shop", activeVersion: 2, updatedAt: second.createdAt, functions: ["api"] },
        ]);
        assert.equal(await store.deployments.activeDeployment("other"), undefined);
        assert.equal(first.config.functions.api?.handler.exportName, "handler");
      }));

    it("gives concurrent deploys of one app distinct, consecutive versions", () =>
      withStore(async (store) => {
        const deploys = Array.from({ length: 12 }, (_, index) =>
          store.deployments.createDeployment({
            app: "shop",
            config,
            functionHashes: { api: `h${index}` },
            source: "deploy",
          }),
        );
        const versions = (await Promise.all(deploys)).map((deployment) => deployment.version);
        assert.deepEqual(
          versions.toSorted((a, b) => a - b),
          Array.from({ length: 12 }, (_, index) => index + 1),
        );
        assert.equal((await store.deployments.activeDeployment("shop"))?.version, 12);
        assert.equal(await store.deployments.nextVersion("shop"), 13);
      }));

    it("records invocations and lists them newest first, per function", () =>
      withStore(async (store) => {
        await store.invocations.recordInvocations([
          invocation("r1", { startedAt: 1 }),
          invocation("r2", { startedAt: 2, functionName: "worker", cold: true, initDurationMs: 12 }),
          invocation("r3", {
            startedAt: 3,
            status: "error",
            errorCode: "FUNCTION_TIMEOUT",
            errorMessage: "late",
          }),
        ]);
        const all = await store.invocations.listInvocations({ app: "shop", limit: 10 });
        assert.deepEqual(
          all.map((r) => r.requestId),
          ["r3", "r2", "r1"],
        );
        const api = await store.invocations.listInvocations({ app: "shop", functionName: "api", limit: 10 });
        assert.deepEqual(
          api.map((r) => r.requestId),
          ["r3", "r1"],
        );
        assert.deepEqual(
          await store.invocations.getInvocation("r2"),
          invocation("r2", {
            startedAt: 2,
            functionName: "worker",
            cold: true,
            initDurationMs: 12,
          }),
        );
        assert.equal((await store.invocations.getInvocation("r3"))?.errorCode, "FUNCTION_TIMEOUT");
      }));

    it("appends logs, queries the newest, follows from a cursor and prunes the oldest", () =>
      withStore(async (store) => {
        const line = (message: string, requestId?: string) => ({
          timestamp: Date.now(),
          app: "shop",
          functionName: "api",
          version: "1",
          requestId,
          stream: "stdout" as const,
          level: "info" as const,
          message,
        });
        await store.logs.appendLogs([line("one", "r1"), line("two", "r2"), line("three", "r1")]);
        const newest = await store.logs.queryLogs({ app: "shop", limit: 2 });
        assert.deepEqual(
          newest.map((l) => l.message),
          ["two", "three"],
        );
        const byRequest = await store.logs.queryLogs({ app: "shop", requestId: "r1", limit: 10 });
        assert.deepEqual(
          byRequest.map((l) => l.message),
          ["one", "three"],
        );
        const cursor = (newest[0] as { id: number }).id;
        const after = await store.logs.queryLogs({ app: "shop", afterId: cursor, limit: 10 });
        assert.deepEqual(
          after.map((l) => l.message),
          ["three"],
        );
        assert.equal(await store.logs.pruneLogs(1), 2);
        const left = await store.logs.queryLogs({ app: "shop", limit: 10 });
        assert.deepEqual(
          left.map((l) => l.message),
          ["three"],
        );
      }));

    it("keeps settings", () =>
      withStore(async (store) => {
        assert.equal(await store.settings.getSetting("admin-key-hash"), undefined);
        await store.settings.setSetting("admin-key-hash", "x");
        await store.settings.setSetting("admin-key-hash", "y");
        assert.equal(await store.settings.getSetting("admin-key-hash"), "y");
      }));

    describeLeaseConformance(withStore);
    describeChangeFeedConformance(withStore);
    describeIdentityConformance(withStore);
    describeQueueConformance(withStore);
    describeAsyncInvocationConformance(withStore);
    describeScheduleConformance(withStore);
    describeTopicArchiveConformance(withStore);
    describeWorkflowConformance(withStore);
    describeEntityConformance(withStore);
    describeTableConformance(withStore);
    describeFunctionVersionConformance(withStore);
    describeBucketObjectConformance(withStore);
  });
}
