// The persistence ports. Services depend on these interfaces, never on an adapter.
// They are asynchronous even though node:sqlite is synchronous, so a networked
// adapter (PostgreSQL) fits without changing a caller.
import type { ErrorCode } from "../core/errors.ts";
import type { AppConfig } from "../core/manifest/normalize.ts";
import type { AsyncInvocationStore } from "./async-invocation-ports.ts";
import type { BucketObjectStore } from "./bucket-object-ports.ts";
import type { EntityStore } from "./entity-ports.ts";
import type { FunctionVersionStore } from "./function-version-ports.ts";
import type {
  AccessKeyStore,
  ApiKeyStore,
  SecretStore,
  SigningKeyStore,
  UserStore,
} from "./identity-ports.ts";
import type { QueueStore } from "./queue-ports.ts";
import type { ScheduleStore } from "./schedule-ports.ts";
import type { TableStore } from "./table-ports.ts";
import type { TopicArchiveStore } from "./topic-archive-ports.ts";
import type { WorkflowStore } from "./workflow-ports.ts";

export interface DeploymentRecord {
  readonly app: string;
  /** Increases by one with every deploy or rollback of the app, starting at 1. */
  readonly version: number;
  readonly createdAt: number;
  readonly config: AppConfig;
  /** Per function, the content hash of its bundle (sha256 of code + config). */
  readonly functionHashes: Readonly<Record<string, string>>;
  /** "deploy", or "rollback" when this version re-activated an older one. */
  readonly source: "deploy" | "rollback";
  /** For rollbacks: the version whose code this one runs. */
  readonly sourceVersion: number | undefined;
}

export interface AppSummary {
  readonly app: string;
  readonly activeVersion: number;
  readonly updatedAt: number;
  readonly functions: readonly string[];
}

export interface NewDeployment {
  readonly app: string;
  readonly config: AppConfig;
  readonly functionHashes: Readonly<Record<string, string>>;
  readonly source: "deploy" | "rollback";
  readonly sourceVersion?: number;
}

export interface DeploymentStore {
  /** Allocates the next version, stores it and makes it the app's active one, atomically. */
  createDeployment(input: NewDeployment): Promise<DeploymentRecord>;
  /** The version number the next createDeployment of this app will get. */
  nextVersion(app: string): Promise<number>;
  activeDeployment(app: string): Promise<DeploymentRecord | undefined>;
  getDeployment(app: string, version: number): Promise<DeploymentRecord | undefined>;
  /** Newest first. */
  listDeployments(app: string, limit: number): Promise<DeploymentRecord[]>;
  listApps(): Promise<AppSummary[]>;
}

export interface InvocationRecord {
  readonly requestId: string;
  readonly app: string;
  readonly functionName: string;
  readonly version: string;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly initDurationMs: number | undefined;
  readonly peakMemoryMb: number | undefined;
  readonly cold: boolean;
  readonly status: "success" | "error";
  readonly errorCode: ErrorCode | undefined;
  readonly errorMessage: string | undefined;
  /** HTTP status the caller got, when the call came through the gateway. */
  readonly httpStatus: number | undefined;
}

export interface InvocationQuery {
  readonly app: string;
  readonly functionName?: string;
  readonly limit: number;
}

export interface InvocationStore {
  recordInvocations(records: readonly InvocationRecord[]): Promise<void>;
  /** Newest first. */
  listInvocations(query: InvocationQuery): Promise<InvocationRecord[]>;
  getInvocation(requestId: string): Promise<InvocationRecord | undefined>;
}

export interface NewLogLine {
  readonly timestamp: number;
  readonly app: string;
  readonly functionName: string;
  readonly version: string;
  readonly requestId: string | undefined;
  readonly stream: "stdout" | "stderr";
  readonly level: "info" | "warn" | "error" | "debug";
  readonly message: string;
}

export interface StoredLogLine extends NewLogLine {
  /** Increases with every line stored: a cursor for following. */
  readonly id: number;
}

export interface LogQuery {
  readonly app: string;
  readonly functionName?: string;
  readonly requestId?: string;
  /** Only lines with a greater id (for --follow). */
  readonly afterId?: number;
  /** The newest `limit` lines (oldest first in the result). */
  readonly limit: number;
}

export interface LogStore {
  appendLogs(lines: readonly NewLogLine[]): Promise<void>;
  queryLogs(query: LogQuery): Promise<StoredLogLine[]>;
  /** Deletes the oldest lines beyond `keepLines`; returns how many were deleted. */
  pruneLogs(keepLines: number): Promise<number>;
}

/** Small platform settings, such as the admin key's hash. */
export interface SettingsStore {
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
}

/**
 * One grant of a named lease. Only the current, unexpired grant passes checkFence,
 * so a node that lost its lease (paused, partitioned) cannot act on it afterwards.
 */
export interface Lease {
  readonly name: string;
  readonly holder: string;
  /** Fencing token: strictly increases with every grant of this name, whoever the holder. */
  readonly token: number;
  /** Epoch ms by the store's clock (the database server's for PostgreSQL), not the caller's. */
  readonly expiresAt: number;
}

/** Leases for singletons across nodes: schedule firing, workflow timers, sweeps. */
export interface LeaseStore {
  /**
   * Grants the lease when it is free, expired or released, or already held by `holder`;
   * every grant gets a new, greater token. undefined while another holder has it.
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<Lease | undefined>;
  /** Extends the current, unexpired grant to now + ttlMs (same token); undefined when it was lost. */
  renew(lease: Lease, ttlMs: number): Promise<Lease | undefined>;
  /** Gives the lease up at once; a no-op when the grant is no longer current. */
  release(lease: Lease): Promise<void>;
  /** True only while `token` is the current, unexpired grant of `name`. */
  checkFence(name: string, token: number): Promise<boolean>;
}

/**
 * Tiny cross-node notifications ("app shop was deployed"): at most once, no history.
 * A payload is a hint to re-read the store, never the data itself; a subscriber that
 * was disconnected misses what was published meanwhile.
 */
export interface ChangeFeed {
  /** Channel: 1 to 63 bytes; payload: at most 7,999 bytes (PostgreSQL's NOTIFY limits). */
  publish(channel: string, payload: string): Promise<void>;
  /** Resolves once the listener is registered; returns the function that unsubscribes it. */
  subscribe(channel: string, listener: (payload: string) => void): Promise<() => Promise<void>>;
}

export interface Store {
  /** Function versions and aliases (function-version-ports.ts). */
  readonly functionVersions: FunctionVersionStore;
  readonly deployments: DeploymentStore;
  readonly invocations: InvocationStore;
  readonly logs: LogStore;
  readonly settings: SettingsStore;
  readonly leases: LeaseStore;
  readonly changes: ChangeFeed;
  // Identity and secrets (identity-ports.ts).
  readonly accessKeys: AccessKeyStore;
  readonly secrets: SecretStore;
  readonly signingKeys: SigningKeyStore;
  readonly users: UserStore;
  readonly apiKeys: ApiKeyStore;
  // Queues (queue-ports.ts).
  readonly queues: QueueStore;
  // Bucket object metadata (bucket-object-ports.ts).
  readonly bucketObjects: BucketObjectStore;
  // Async invocations (async-invocation-ports.ts).
  readonly asyncInvocations: AsyncInvocationStore;
  // Schedules (schedule-ports.ts).
  readonly schedules: ScheduleStore;
  // Topic archives (topic-archive-ports.ts).
  readonly topicArchives: TopicArchiveStore;
  // Durable workflows (workflow-ports.ts).
  readonly workflows: WorkflowStore;
  // Durable entities (entity-ports.ts).
  readonly entities: EntityStore;
  // Table items (table-ports.ts).
  readonly tables: TableStore;
  close(): Promise<void>;
}
