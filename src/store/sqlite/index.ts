import { join } from "node:path";
import type { Store } from "../ports.ts";
import { createSqliteAccessKeyStore } from "./access-key-store.ts";
import { createSqliteApiKeyStore } from "./api-key-store.ts";
import { createSqliteAsyncInvocationStore } from "./async-invocation-store.ts";
import { createSqliteBucketObjectStore } from "./bucket-object-store.ts";
import { createSqliteChangeFeed } from "./change-feed.ts";
import { openDatabase } from "./database.ts";
import { createSqliteDeploymentStore } from "./deployment-store.ts";
import { createSqliteEntityStore } from "./entity-store.ts";
import { createSqliteFunctionVersionStore } from "./function-version-store.ts";
import { createSqliteInvocationStore } from "./invocation-store.ts";
import { createSqliteLeaseStore } from "./lease-store.ts";
import { createSqliteLogStore } from "./log-store.ts";
import { createSqliteQueueStore } from "./queue-store.ts";
import { createSqliteScheduleStore } from "./schedule-store.ts";
import { createSqliteSecretStore } from "./secret-store.ts";
import { createSqliteSettingsStore } from "./settings-store.ts";
import { createSqliteSigningKeyStore } from "./signing-key-store.ts";
import { createSqliteTableStore } from "./table-store.ts";
import { createSqliteTopicArchiveStore } from "./topic-archive-store.ts";
import { createSqliteUserStore } from "./user-store.ts";
import { createSqliteWorkflowStore } from "./workflow-store.ts";

/** The embedded store: one SQLite file, `nimbus.db`, in the data directory. */
export function openSqliteStore(dataDir: string): Store {
  const db = openDatabase(join(dataDir, "nimbus.db"));
  const changes = createSqliteChangeFeed();
  return {
    deployments: createSqliteDeploymentStore(db),
    invocations: createSqliteInvocationStore(db),
    logs: createSqliteLogStore(db),
    settings: createSqliteSettingsStore(db),
    leases: createSqliteLeaseStore(db),
    changes,
    accessKeys: createSqliteAccessKeyStore(db),
    secrets: createSqliteSecretStore(db),
    signingKeys: createSqliteSigningKeyStore(db),
    users: createSqliteUserStore(db),
    apiKeys: createSqliteApiKeyStore(db),
    queues: createSqliteQueueStore(db),
    bucketObjects: createSqliteBucketObjectStore(db),
    asyncInvocations: createSqliteAsyncInvocationStore(db),
    schedules: createSqliteScheduleStore(db),
    topicArchives: createSqliteTopicArchiveStore(db),
    functionVersions: createSqliteFunctionVersionStore(db),
    workflows: createSqliteWorkflowStore(db),
    entities: createSqliteEntityStore(db),
    tables: createSqliteTableStore(db),
    async close() {
      changes.close();
      if (db.isOpen) db.close();
    },
  };
}
