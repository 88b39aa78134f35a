import type { Store } from "../ports.ts";
import { createPostgresAccessKeyStore } from "./access-key-store.ts";
import { createPostgresApiKeyStore } from "./api-key-store.ts";
import { createPostgresAsyncInvocationStore } from "./async-invocation-store.ts";
import { createPostgresBucketObjectStore } from "./bucket-object-store.ts";
import { createPostgresChangeFeed } from "./change-feed.ts";
import { openPool } from "./database.ts";
import { createPostgresDeploymentStore } from "./deployment-store.ts";
import { createPostgresEntityStore } from "./entity-store.ts";
import { createPostgresFunctionVersionStore } from "./function-version-store.ts";
import { createPostgresInvocationStore } from "./invocation-store.ts";
import { createPostgresLeaseStore } from "./lease-store.ts";
import { createPostgresLogStore } from "./log-store.ts";
import { createPostgresQueueStore } from "./queue-store.ts";
import { createPostgresScheduleStore } from "./schedule-store.ts";
import { createPostgresSecretStore } from "./secret-store.ts";
import { createPostgresSettingsStore } from "./settings-store.ts";
import { createPostgresSigningKeyStore } from "./signing-key-store.ts";
import { createPostgresTableStore } from "./table-store.ts";
import { createPostgresTopicArchiveStore } from "./topic-archive-store.ts";
import { createPostgresUserStore } from "./user-store.ts";
import { createPostgresWorkflowStore } from "./workflow-store.ts";

export { LISTEN_APPLICATION_NAME } from "./listen-connection.ts";

/**
 * The shared store for several nodes: a pool of connections to one PostgreSQL database,
 * migrated on open. `url` is a libpq-style URL; `?options=-c search_path=<schema>` puts
 * Nimbus in a schema of its own.
 */
export async function openPostgresStore(url: string): Promise<Store> {
  const pool = await openPool(url);
  const changes = createPostgresChangeFeed(pool, url);
  let closing: Promise<void> | undefined;
  return {
    deployments: createPostgresDeploymentStore(pool),
    invocations: createPostgresInvocationStore(pool),
    logs: createPostgresLogStore(pool),
    settings: createPostgresSettingsStore(pool),
    leases: createPostgresLeaseStore(pool),
    changes,
    accessKeys: createPostgresAccessKeyStore(pool),
    secrets: createPostgresSecretStore(pool),
    signingKeys: createPostgresSigningKeyStore(pool),
    users: createPostgresUserStore(pool),
    apiKeys: createPostgresApiKeyStore(pool),
    queues: createPostgresQueueStore(pool),
    bucketObjects: createPostgresBucketObjectStore(pool),
    asyncInvocations: createPostgresAsyncInvocationStore(pool),
    schedules: createPostgresScheduleStore(pool),
    topicArchives: createPostgresTopicArchiveStore(pool),
    functionVersions: createPostgresFunctionVersionStore(pool),
    workflows: createPostgresWorkflowStore(pool),
    entities: createPostgresEntityStore(pool),
    tables: createPostgresTableStore(pool),
    close() {
      // pool.end() may run only once; every caller waits for the same closing.
      closing ??= changes.close().finally(() => pool.end());
      return closing;
    },
  };
}
