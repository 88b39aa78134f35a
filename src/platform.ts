// The composition root: reads options, picks adapters, wires the runtime, gateway,
// admin API and store, and owns the one HTTP server. Nothing else constructs these.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import Fastify from "fastify";
import { z } from "zod";
import {
  createLogRetention,
  DeploymentSync,
  NodeLifecycle,
  newNodeId,
  reportBackgroundError,
  type Singleton,
} from "./cluster/index.ts";
import { ADMIN_PREFIX, registerAdminApi } from "./control/admin-api.ts";
import { ensureAdminKey } from "./control/admin-key.ts";
import type { AppPackage } from "./control/app-package.ts";
import { Deployer, type DeployResult } from "./control/deployer.ts";
import { createInvokeApi, LAMBDA_API_PREFIX } from "./control/lambda-api/index.ts";
import { openBundleStore } from "./control/open-bundle-store.ts";
import { registerVersionRoutes } from "./control/version-routes.ts";
import { DEFAULT_PORT } from "./core/defaults.ts";
import { NimbusError } from "./core/errors.ts";
import { newRequestId } from "./core/ids.ts";
import { createGatewayHandler, type GatewayTarget } from "./gateway/index.ts";
import { createIdentity, type EmailMessage, emailSenderFor, type Identity } from "./identity/index.ts";
import { Recorder } from "./observe/index.ts";
import { Runtime } from "./runtime/index.ts";
import type { InvocationOutcome, LogLine } from "./runtime/types.ts";
import { AsyncInvocations, registerAsyncRoutes } from "./services/async/index.ts";
import {
  BucketService,
  createBucketExpiry,
  createWebsiteHandler,
  deliveriesFor,
  PresignedUrls,
  registerBucketRoutes,
  registerPublicObjectRoutes,
} from "./services/buckets/index.ts";
import { createS3Api, MultipartStore, S3_API_PREFIX } from "./services/buckets/s3/index.ts";
import { CacheService, openCache, registerCacheRoutes } from "./services/cache/index.ts";
import { EntityService, registerEntityRoutes } from "./services/entities/index.ts";
import { QueueConsumers, QueueService, QueueWakeups, registerQueueRoutes } from "./services/queues/index.ts";
import { createScheduleFirer, registerScheduleRoutes, Scheduler } from "./services/schedules/index.ts";
import {
  createTableExpiry,
  registerTableRoutes,
  sendStreamFailure,
  TableService,
  TableStreams,
  tableHasTriggers,
} from "./services/tables/index.ts";
import { createWebhookTarget, registerTopicRoutes, TopicService } from "./services/topics/index.ts";
import { registerWorkflowRoutes, WorkflowBlobs, WorkflowService } from "./services/workflows/index.ts";
import { FileBlobStore } from "./store/file-blob-store.ts";
import { type InvocationRecord, openStore, type Store } from "./store/index.ts";
import { openBlobStore } from "./store/open-blob-store.ts";

const optionsSchema = z.strictObject({
  dataDir: z.string().default(".nimbus"),
  /** Empty: SQLite in the data directory. postgres://…: PostgreSQL (also NIMBUS_STORE_URL). */
  storeUrl: z.string().optional(),
  /** The cache: redis://host:port for Redis (shared by nodes); otherwise NIMBUS_CACHE_URL, else in-process. */
  cacheUrl: z.string().optional(),
  port: z.int().min(0).max(65_535).default(DEFAULT_PORT),
  host: z.string().default("127.0.0.1"),
  /** Replaces the stored admin key; otherwise NIMBUS_ADMIN_KEY, otherwise one is generated on first start. */
  adminKey: z.string().min(16).optional(),
  maxBodyBytes: z
    .int()
    .min(1)
    .default(6 * 1024 * 1024),
  maxDeployBytes: z
    .int()
    .min(1)
    .default(256 * 1024 * 1024),
  logRetentionLines: z.int().min(100).default(100_000),
  stemCellsPerMemorySize: z.int().min(0).max(32).default(2),
  /** This node's name in a cluster (lease holder, /readyz); otherwise NIMBUS_NODE_ID, else host-pid-random. */
  nodeId: z.string().min(1).max(200).optional(),
  /** Bundle directory (default <dataDir>/bundles; also NIMBUS_BUNDLE_DIR): one shared volume for a cluster. */
  bundleDir: z.string().optional(),
  /** s3://bucket/prefix: bundles in an S3-compatible bucket instead (also NIMBUS_BUNDLE_STORE). */
  bundleStore: z.string().optional(),
  /** Bucket object bytes (default <dataDir>/blobs; also NIMBUS_BLOB_DIR): one shared volume for a cluster. */
  blobDir: z.string().optional(),
  /** s3://bucket/prefix: bucket object bytes in an S3-compatible bucket instead (also NIMBUS_BLOB_STORE). */
  blobStore: z.string().optional(),
  /** On stop, how long calls in flight may take to finish before their connections are closed. */
  drainTimeoutMs: z.int().min(0).default(10_000),
  /** Cluster singletons' leases: a node that stops renewing (killed, cut off) loses them after this. */
  leaseTtlMs: z.int().min(300).default(15_000),
  /** How often a node re-checks the active deployments, in case a change notification was lost. */
  resyncIntervalMs: z.int().min(100).default(5_000),
  /** Encrypts secrets at rest: 32 bytes, base64 or hex (also NIMBUS_MASTER_KEY); else <dataDir>/master.key. */
  masterKey: z.string().optional(),
  /** Workflows: replays that fail to answer in a row (crash, timeout, bad answer) before the instance is parked. */
  workflowReplayAttempts: z.int().min(1).max(1_000).default(10),
  /** Async invocations: the nominal delay before the first retry (doubling per retry, with jitter). */
  asyncRetryBaseDelayMs: z.int().min(1).max(60_000).default(1_000),
  /** How long a function instance's token (NIMBUS_TOKEN) lives; rotated at two thirds of it. */
  functionTokenTtlMs: z
    .int()
    .min(2_000)
    .max(12 * 60 * 60_000)
    .default(15 * 60_000),
  /** How long a JWT signing key signs before a new one replaces it. */
  signingKeyRotationMs: z
    .int()
    .min(60_000)
    .default(30 * 24 * 60 * 60_000),
  /** The URL clients use to reach this platform (user pool token issuers live under it; also NIMBUS_PUBLIC_URL); default: its own. */
  publicUrl: z.url().optional(),
  /** smtp://user:pass@host:port or smtps://… for user pool emails (also NIMBUS_SMTP_URL); default: printed. */
  smtpUrl: z.string().optional(),
  /** The From address of those emails. */
  emailFrom: z.string().default("nimbus@localhost"),
});

export type PlatformOptions = z.input<typeof optionsSchema>;

export interface StartInfo {
  readonly url: string;
  /** Set only on the start that generated the admin key: show it once, it is stored hashed. */
  readonly createdAdminKey: string | undefined;
}

export interface Platform {
  start(): Promise<StartInfo>;
  stop(): Promise<void>;
  /** http://host:port once started. */
  readonly url: string;
  /** This node's name in a cluster. */
  readonly nodeId: string;
  /** Deploys in process (what `nimbus dev` uses); the same path as POST /_nimbus/deployments. */
  deploy(pkg: AppPackage, options?: { dryRun?: boolean }): Promise<DeployResult>;
}

function toRecord(outcome: InvocationOutcome): InvocationRecord {
  const httpStatus =
    outcome.response?.status ??
    (outcome.errorCode ? new NimbusError(outcome.errorCode, "").status : undefined);
  return {
    requestId: outcome.requestId,
    app: outcome.app,
    functionName: outcome.functionName,
    version: outcome.version,
    startedAt: outcome.startedAt,
    durationMs: outcome.durationMs,
    billedDurationMs: outcome.billedDurationMs,
    initDurationMs: outcome.initDurationMs,
    peakMemoryMb: outcome.peakMemoryMb,
    cold: outcome.cold,
    status: outcome.status,
    errorCode: outcome.errorCode,
    errorMessage: outcome.errorMessage,
    httpStatus,
  };
}

/** Observers of what happens inside, e.g. `nimbus dev` printing function logs to the terminal. */
export interface PlatformHooks {
  readonly onLog?: (line: LogLine) => void;
  readonly onInvocation?: (outcome: InvocationOutcome) => void;
  /** Every verification or password-reset email of a user pool, after it was sent. */
  readonly onEmail?: (message: EmailMessage) => void;
}

export function createPlatform(input: PlatformOptions = {}, hooks: PlatformHooks = {}): Platform {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success)
    throw new NimbusError("BAD_REQUEST", `Invalid platform options: ${parsed.error.message}`);
  const options = Object.freeze({ ...parsed.data, dataDir: resolve(parsed.data.dataDir) });
  const nodeId = options.nodeId ?? process.env.NIMBUS_NODE_ID ?? newNodeId();

  let url = "";
  let server: Server | undefined;
  let store: Store | undefined;
  let runtime: Runtime | undefined;
  let recorder: Recorder | undefined;
  let deployer: Deployer | undefined;
  let identity: Identity | undefined;
  let lifecycle: NodeLifecycle | undefined;
  let deploymentSync: DeploymentSync | undefined;
  let logRetention: Singleton | undefined;
  let tableExpiry: Singleton | undefined;
  let tableStreams: TableStreams | undefined;
  let cacheService: CacheService | undefined;
  let bucketExpiry: Singleton | undefined;
  let queueWakeups: QueueWakeups | undefined;
  let queueConsumers: QueueConsumers | undefined;
  let asyncInvocations: AsyncInvocations | undefined;
  let workflowService: WorkflowService | undefined;
  let entityService: EntityService | undefined;
  let scheduler: Scheduler | undefined;

  function resolveTarget(request: IncomingMessage): GatewayTarget | undefined {
    const apps = deployer?.liveApps() ?? [];
    if (apps.length <= 1) return apps[0];
    // Several apps: <app>.localhost:port (or any host whose first label is the app name).
    const label = request.headers.host?.split(".")[0];
    return label ? deployer?.live(label) : undefined;
  }

  async function start(): Promise<StartInfo> {
    // First: a wrong bundle or blob store setting is refused before anything is opened.
    const bundles = await openBundleStore({
      dataDir: options.dataDir,
      bundleDir: options.bundleDir ?? process.env.NIMBUS_BUNDLE_DIR,
      bundleStore: options.bundleStore ?? process.env.NIMBUS_BUNDLE_STORE,
    });
    const blobs = await openBlobStore({
      dataDir: options.dataDir,
      blobDir: options.blobDir ?? process.env.NIMBUS_BLOB_DIR,
      blobStore: options.blobStore ?? process.env.NIMBUS_BLOB_STORE,
    });
    const opened: Store = await openStore({
      dataDir: options.dataDir,
      url: options.storeUrl ?? process.env.NIMBUS_STORE_URL,
    });
    store = opened;
    const retention = createLogRetention({
      leases: opened.leases,
      logs: opened.logs,
      nodeId,
      ttlMs: options.leaseTtlMs,
      keepLines: options.logRetentionLines,
      onError: (error) => reportBackgroundError("log retention", error),
    });
    logRetention = retention;
    await retention.start();
    const records = new Recorder({
      invocations: opened.invocations,
      logs: opened.logs,
      logRetentionLines: options.logRetentionLines,
      prune: (keepLines) => retention.guard(() => opened.logs.pruneLogs(keepLines)),
    });
    recorder = records;
    const { check, createdKey } = await ensureAdminKey(
      opened.settings,
      options.adminKey ?? process.env.NIMBUS_ADMIN_KEY,
    );
    const ids = await createIdentity({
      store: opened,
      dataDir: options.dataDir,
      masterKey: options.masterKey ?? process.env.NIMBUS_MASTER_KEY,
      adminKey: check,
      nodeId,
      // Only a shared (PostgreSQL) store has other nodes; with SQLite there is just this one.
      clustered: Boolean((options.storeUrl ?? process.env.NIMBUS_STORE_URL)?.trim()),
      functionTokenTtlMs: options.functionTokenTtlMs,
      signingKeyRotationMs: options.signingKeyRotationMs,
      publicUrl: () => (options.publicUrl ?? process.env.NIMBUS_PUBLIC_URL ?? url).replace(/\/+$/, ""),
      emailSender: emailSenderFor(
        { smtpUrl: options.smtpUrl ?? process.env.NIMBUS_SMTP_URL, from: options.emailFrom },
        hooks.onEmail,
      ),
      appConfig: async (app) =>
        deployer?.live(app)?.deployment.config ?? (await opened.deployments.activeDeployment(app))?.config,
      invokeFunction: async (app, fn, payload, requestId) => {
        const live = deployer?.live(app);
        if (!live) throw new NimbusError("APP_NOT_FOUND", `App "${app}" is not deployed`);
        return live.invoke(fn, { kind: "direct", payload }, requestId);
      },
    });
    identity = ids;
    runtime = new Runtime({
      dataDir: options.dataDir,
      platformUrl: () => url,
      stemCellsPerMemorySize: options.stemCellsPerMemorySize,
      environmentHooks: ids.instanceEnvironment,
      events: {
        // Secret values handed to a function are masked before anything is recorded or shown.
        onLog: (raw) => {
          const line = ids.maskLog(raw);
          records.recordLog(line);
          hooks.onLog?.(line);
        },
        onInvocation: (raw) => {
          const outcome = ids.maskOutcome(raw);
          records.recordInvocation(toRecord(outcome));
          hooks.onInvocation?.(outcome);
        },
      },
    });
    await runtime.start();
    const sync = new DeploymentSync({
      deployments: opened.deployments,
      changes: opened.changes,
      follower: {
        servedVersion: (app) => deployer?.live(app)?.deployment.version,
        reload: (app) => (deployer as Deployer).reload(app),
      },
      nodeId,
      resyncIntervalMs: options.resyncIntervalMs,
      onError: (error, app) =>
        reportBackgroundError(`could not follow the deployments${app ? ` of ${app}` : ""}`, error),
    });
    deploymentSync = sync;
    deployer = new Deployer({
      store: opened,
      runtime,
      bundles,
      onReleased: (deployment) => sync.announce(deployment),
      onError: (error) => console.error("nimbus: deployer:", error),
    });
    const node = new NodeLifecycle({
      nodeId,
      pingStore: () => opened.settings.getSetting("nimbus.readiness-probe"),
    });
    lifecycle = node;
    const wakeups = new QueueWakeups(opened.changes);
    queueWakeups = wakeups;
    await wakeups.start();
    const queues = new QueueService({
      store: opened.queues,
      wakeups,
      queuesOf: (app) => {
        const live = deployer?.live(app);
        return live ? (live.deployment.config.queues ?? {}) : undefined;
      },
    });
    // Bucket objects: bytes in the blob store (opened first, above), metadata in the store.
    const buckets = new BucketService({
      store: opened.bucketObjects,
      blobs,
      bucketsOf: (app) => {
        const live = deployer?.live(app);
        return live ? (live.deployment.config.buckets ?? {}) : undefined;
      },
      // Bucket events go through the async invocation service (created below; called only
      // once requests flow).
      onChange: async (change) => {
        const functions = deployer?.live(change.object.app)?.deployment.config.functions ?? {};
        for (const delivery of deliveriesFor(functions, change))
          await invocationsAsync.enqueueAsyncInvocation(delivery);
      },
    });
    // Expiry rules: one node at a time deletes objects past their age.
    bucketExpiry = createBucketExpiry({
      service: buckets,
      leases: opened.leases,
      nodeId,
      leaseTtlMs: options.leaseTtlMs,
      bucketsWithExpiry: () =>
        (deployer?.liveApps() ?? []).map((live) => ({
          app: live.deployment.app,
          buckets: Object.values(live.deployment.config.buckets ?? {})
            .filter((bucket) => bucket.expiry.length > 0)
            .map((bucket) => bucket.name),
        })),
      onError: (error) => reportBackgroundError("bucket expiry", error),
    });
    await bucketExpiry.start();
    const topicsOf = (app: string) => {
      const live = deployer?.live(app);
      return live ? (live.deployment.config.topics ?? {}) : undefined;
    };
    const invocationsAsync = new AsyncInvocations({
      store: opened.asyncInvocations,
      queues,
      targets: [
        createWebhookTarget({
          topicsOf,
          readSecret: async (app, name) => (await ids.parameters.get(app, name)).value,
        }),
      ],
      backoff: { baseDelayMs: options.asyncRetryBaseDelayMs, maxDelayMs: 5 * 60_000 },
      // Topic destinations: the topic service (created below, from this one) is there once calls flow.
      publish: (app, topic, event) => topics.publish(app, topic, event),
      host: {
        live: (app) => {
          const live = deployer?.live(app);
          return (
            live && {
              config: live.deployment.config,
              // A qualified attempt resolves its alias or version now, as a route's call does.
              invoke: (fn, request, id, qualifier) =>
                qualifier === undefined || deployer === undefined
                  ? live.invoke(fn, request, id, false, qualifier)
                  : deployer.invoke(app, fn, request, id, qualifier),
            }
          );
        },
        resolves: async (app, fn, qualifier) => (await deployer?.poolFor(app, fn, qualifier)) !== undefined,
        maxFunctionTimeoutMs: () =>
          Math.max(
            0,
            ...(deployer?.liveApps() ?? []).flatMap((live) =>
              Object.values(live.deployment.config.functions).map((fn) => fn.timeoutMs),
            ),
          ),
      },
      onError: (error) => console.error("nimbus: async invocations:", error),
    });
    asyncInvocations = invocationsAsync;
    // Durable workflows: a replay is one call of the workflow's function (src/services/workflows/).
    const workflows = new WorkflowService({
      store: opened.workflows,
      host: {
        live: (app) => {
          const live = deployer?.live(app);
          return (
            live && {
              config: live.deployment.config,
              invoke: (fn, request, id) => live.invoke(fn, request, id),
            }
          );
        },
        latestVersion: (app, fn) => {
          const version = deployer?.live(app)?.pools.get(fn)?.deployment.version;
          return version === undefined ? undefined : Number(version);
        },
        invokeVersion: async (app, fn, version, request, requestId) => {
          const pool = await deployer?.poolFor(app, fn, String(version));
          if (!pool)
            throw new NimbusError("FUNCTION_NOT_FOUND", `App "${app}" has no version ${version} of "${fn}"`);
          return pool.invoke(request, { requestId, acceptStream: false });
        },
      },
      blobs: new WorkflowBlobs(blobs),
      maxReplayFailures: options.workflowReplayAttempts,
      claimTtlMs: options.leaseTtlMs,
      onError: (error) => console.error("nimbus: workflows:", error),
    });
    workflowService = workflows;
    // Durable entities: operations on one key run one batch at a time (src/services/entities/).
    const entities = new EntityService({
      store: opened.entities,
      host: {
        live: (app) => {
          const live = deployer?.live(app);
          return (
            live && {
              config: live.deployment.config,
              invoke: (fn, request, id) => live.invoke(fn, request, id),
            }
          );
        },
      },
      claimTtlMs: options.leaseTtlMs,
      onError: (error) => console.error("nimbus: entities:", error),
    });
    entityService = entities;
    const tables = new TableService({
      store: opened.tables,
      tablesOf: (app) => {
        const live = deployer?.live(app);
        return live ? (live.deployment.config.tables ?? {}) : undefined;
      },
      // Change events: tables with triggers write change records with each write (an outbox).
      recordsChanges: (app, table) => tableHasTriggers(deployer?.live(app)?.deployment.config, table),
      onChanges: (app, changed) =>
        void tableStreams
          ?.announce(app, changed)
          .catch((error) => reportBackgroundError("table streams", error)),
    });
    // TTL expiry: one node at a time deletes expired items (reads already hide them).
    const expiry = createTableExpiry({
      service: tables,
      leases: opened.leases,
      nodeId,
      leaseTtlMs: options.leaseTtlMs,
      tablesWithTtl: () =>
        (deployer?.liveApps() ?? []).map((live) => ({
          app: live.deployment.app,
          tables: Object.values(live.deployment.config.tables ?? {})
            .filter((table) => table.ttlAttribute !== undefined)
            .map((table) => table.name),
        })),
      onError: (error) => reportBackgroundError("table expiry", error),
    });
    tableExpiry = expiry;
    await expiry.start();
    const cache = new CacheService({
      backend: await openCache(options.cacheUrl ?? process.env.NIMBUS_CACHE_URL),
      appExists: (app) => deployer?.live(app) !== undefined,
    });
    cacheService = cache;
    const topics = new TopicService({
      queues,
      asyncInvocations: invocationsAsync,
      archives: opened.topicArchives,
      topicsOf,
    });

    let adminRoute: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    const gateway = createGatewayHandler({
      resolveTarget,
      maxBodyBytes: options.maxBodyBytes,
      authorizeRoute: ids.routeAuthorizer,
    });
    // The Lambda Invoke API, for AWS SDKs and CLIs (endpoint <url>/_nimbus/lambda/<app>).
    const lambdaApi = createInvokeApi({
      poolFor: async (app, fn, qualifier) => deployer?.poolFor(app, fn, qualifier),
      identity: ids,
      recorder: records,
      logs: opened.logs,
      enqueueAsync: (input) =>
        invocationsAsync.enqueueAsyncInvocation(input).then(({ invocation }) => ({ id: invocation.id })),
      onError: (error) => console.error("nimbus: Lambda Invoke API:", error),
    });
    // The S3-compatible endpoint (<url>/_nimbus/s3/<app>, path-style); multipart uploads are
    // kept under <dataDir>/multipart on the node that started them until completed or aborted.
    const multipart = new MultipartStore(
      join(options.dataDir, "multipart"),
      (root) => new FileBlobStore({ root }),
    );
    await multipart.start();
    const s3Api = createS3Api({
      buckets,
      multipart,
      identity: ids,
      onError: (error) => console.error("nimbus: S3 endpoint:", error),
    });
    // Buckets with `website:` (<route>/<key>, no credentials), for the app the gateway would pick.
    const websites = createWebsiteHandler({
      buckets,
      appFor: (req) => resolveTarget(req)?.app,
      onError: (error) => console.error("nimbus: static website:", error),
    });
    const httpServer = createServer((req, res) => {
      if (node.intercept(req, res)) return;
      const path = req.url ?? "/";
      if (path.startsWith(LAMBDA_API_PREFIX)) lambdaApi(req, res);
      else if (path.startsWith(S3_API_PREFIX)) s3Api(req, res);
      else if (adminRoute && (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)))
        adminRoute(req, res);
      else if (!websites(req, res)) gateway(req, res);
    });
    httpServer.keepAliveTimeout = 65_000;
    server = httpServer;
    const admin = Fastify({
      serverFactory: (handler) => {
        adminRoute = handler;
        return httpServer;
      },
      genReqId: () => newRequestId(),
      logger: false,
    });
    await registerAdminApi(admin, {
      deployer,
      store: opened,
      recorder: records,
      identity: ids,
      maxDeployBytes: options.maxDeployBytes,
      serviceRoutes: [
        (admin, prefix) => registerQueueRoutes(admin, prefix, queues),
        (admin, prefix) => registerBucketRoutes(admin, prefix, { buckets, authorizer: ids.authorizer }),
        (admin, prefix) =>
          registerPublicObjectRoutes(admin, prefix, {
            buckets,
            presigned: new PresignedUrls(opened.settings),
          }),
        (admin, prefix) => registerAsyncRoutes(admin, prefix, invocationsAsync),
        (admin, prefix) => registerWorkflowRoutes(admin, prefix, workflows),
        (admin, prefix) => registerEntityRoutes(admin, prefix, entities),
        (admin, prefix) => registerTopicRoutes(admin, prefix, topics),
        (admin, prefix) => registerTableRoutes(admin, prefix, { tables, authorizer: ids.authorizer }),
        (admin, prefix) => registerCacheRoutes(admin, prefix, cache),
        (admin, prefix) =>
          registerVersionRoutes(admin, prefix, {
            deployer: deployer as Deployer,
            versions: opened.functionVersions,
          }),
        (admin, prefix) =>
          registerScheduleRoutes(admin, prefix, {
            configOf: (app) => deployer?.live(app)?.deployment.config,
            store: opened.schedules,
          }),
      ],
    });
    await admin.ready();
    // Bound before the restore: restored instances are given NIMBUS_PLATFORM_URL (their SDK
    // calls need it); /readyz says not ready until the restore is done.
    await new Promise<void>((done, fail) => {
      httpServer.once("error", fail);
      httpServer.listen(options.port, options.host, () => done());
    });
    const address = httpServer.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    url = `http://${host}:${address.port}`;
    // Listen first, then restore: a deploy announced meanwhile is not missed.
    await sync.start();
    await deployer.restore();
    // Queue triggers start once the URL is known: functions they call may use the SDK.
    const consumers = new QueueConsumers({
      host: {
        liveApps: () => (deployer?.liveApps() ?? []).map((live) => live.deployment),
        invoke: (app, fn, request, requestId, qualifier) => {
          if (!deployer)
            return Promise.reject(new NimbusError("APP_NOT_FOUND", `App "${app}" is not deployed`));
          return deployer.invoke(app, fn, request, requestId, qualifier);
        },
      },
      service: queues,
      store: opened.queues,
      wakeups,
      reconcileIntervalMs: 500,
      onError: (error, where) => console.error(`nimbus: ${where}:`, error),
    });
    queueConsumers = consumers;
    consumers.start();
    // Table change events: one node at a time delivers each table's records in order.
    const streams = new TableStreams({
      store: opened.tables,
      leases: opened.leases,
      changes: opened.changes,
      nodeId,
      leaseTtlMs: options.leaseTtlMs,
      backoff: { baseDelayMs: options.asyncRetryBaseDelayMs, maxDelayMs: 5 * 60_000 },
      host: {
        liveApps: () => (deployer?.liveApps() ?? []).map((live) => live.deployment),
        invoke: (app, fn, request, requestId) => {
          const live = deployer?.live(app);
          if (!live) return Promise.reject(new NimbusError("APP_NOT_FOUND", `App "${app}" is not deployed`));
          return live.invoke(fn, request, requestId);
        },
        sendFailure: async (app, fn, record) => {
          const sentTo = await sendStreamFailure(
            {
              sendToQueue: (app, queue, body) => queues.send(app, queue, [{ body }]),
              invokeAsync: (app, functionName, payload) =>
                invocationsAsync.enqueueAsyncInvocation({ app, functionName, payload }),
              publish: (app, topic, event) => topics.publish(app, topic, event),
            },
            app,
            fn,
            record,
          );
          if (sentTo.length === 0)
            console.error(`nimbus: table stream batch for ${app}/${fn.name} failed for good; skipped`);
        },
      },
      onError: (error, where) => reportBackgroundError(where, error),
    });
    tableStreams = streams;
    await streams.start();
    invocationsAsync.start();
    workflows.start();
    entities.start();
    // One node fires the schedules (a lease); started last, so fires find their targets ready.
    const schedules = new Scheduler({
      leases: opened.leases,
      nodeId,
      ttlMs: options.leaseTtlMs,
      store: opened.schedules,
      liveApps: () => (deployer?.liveApps() ?? []).map((live) => live.deployment),
      fire: createScheduleFirer({ asyncInvocations: invocationsAsync, topics }),
      onError: (error) => console.error("nimbus: schedules:", error),
    });
    scheduler = schedules;
    await schedules.start();
    node.markReady();
    return { url, createdAdminKey: createdKey };
  }

  async function stop(): Promise<void> {
    const closing = server;
    server = undefined;
    // Long polls (up to 20 s) answer at once with what they have, so draining does not wait on them.
    await queueWakeups?.stop();
    queueWakeups = undefined;
    // Batches in flight finish (their messages are deleted or left for a retry) before pools stop.
    await scheduler?.stop();
    scheduler = undefined;
    await queueConsumers?.stop();
    await tableStreams?.stop();
    tableStreams = undefined;
    queueConsumers = undefined;
    await asyncInvocations?.stop();
    asyncInvocations = undefined;
    await workflowService?.stop();
    workflowService = undefined;
    await entityService?.stop();
    entityService = undefined;
    if (closing && lifecycle) {
      // Not ready, no new connections, calls in flight finish (up to drainTimeoutMs).
      const { abandoned } = await lifecycle.drain(closing, options.drainTimeoutMs);
      if (abandoned > 0) {
        console.error(
          `nimbus: closed ${abandoned} request(s) still in flight after ${options.drainTimeoutMs} ms`,
        );
      }
    }
    await deploymentSync?.stop();
    await deployer?.stop();
    await runtime?.stop();
    await identity?.stop();
    await recorder?.close();
    // Hands the leases back, so another node takes the singletons over at once.
    await logRetention?.stop();
    await tableExpiry?.stop();
    tableExpiry = undefined;
    await cacheService?.close();
    cacheService = undefined;
    await bucketExpiry?.stop();
    bucketExpiry = undefined;
    await store?.close();
    deploymentSync = undefined;
    logRetention = undefined;
    lifecycle = undefined;
    deployer = undefined;
    identity = undefined;
    runtime = undefined;
    recorder = undefined;
    store = undefined;
  }

  return {
    async start() {
      try {
        return await start();
      } catch (error) {
        // A start that failed half-way (a store gone, a bundle missing) leaves nothing running.
        await stop().catch(() => {});
        throw error;
      }
    },
    stop,
    get url() {
      return url;
    },
    nodeId,
    deploy(pkg, deployOptions) {
      if (!deployer) throw new NimbusError("PLATFORM_UNAVAILABLE", "The platform is not started");
      return deployer.deploy(pkg, deployOptions);
    },
  };
}
