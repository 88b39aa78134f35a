// Several nodes as one platform: deployment propagation, singletons under leases, the
// node's health endpoints and graceful drain. See ARCHITECTURE.md in this folder.
export {
  DEPLOYMENTS_CHANNEL,
  type DeploymentAnnouncement,
  type DeploymentFollower,
  DeploymentSync,
  type DeploymentSyncOptions,
} from "./deployment-sync.ts";
export { createLogRetention, LOG_PRUNE_INTERVAL_MS, LOG_RETENTION_LEASE } from "./log-retention.ts";
export { newNodeId } from "./node-id.ts";
export { type DrainResult, NodeLifecycle, type NodeState, READY_STORE_TIMEOUT_MS } from "./node-lifecycle.ts";
export { reportBackgroundError } from "./report-error.ts";
export { Singleton, type SingletonOptions, type SingletonTask } from "./singleton.ts";
