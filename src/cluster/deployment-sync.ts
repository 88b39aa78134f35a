// Keeps the deployments this node serves in step with the store, so a deploy or rollback on
// any node is live on all. Fast path: the node that released a version publishes it on the
// change feed and every node reloads that app. Safety net: notifications are at most once
// (lost while a listener reconnects), so every `resyncIntervalMs` each node also compares
// the versions it serves with the store's active ones and reloads what is behind.
import { z } from "zod";
import type { ChangeFeed, DeploymentRecord, DeploymentStore } from "../store/ports.ts";

/** The change feed channel deploys and rollbacks are announced on. */
export const DEPLOYMENTS_CHANNEL = "nimbus.deployments";

const announcement = z.strictObject({
  app: z.string().min(1),
  version: z.int().min(1),
  node: z.string(),
});
export type DeploymentAnnouncement = z.infer<typeof announcement>;

/** What the sync needs of the deployer: the version served here, and a way to serve the store's. */
export interface DeploymentFollower {
  servedVersion(app: string): number | undefined;
  reload(app: string): Promise<DeploymentRecord | undefined>;
}

export interface DeploymentSyncOptions {
  readonly deployments: DeploymentStore;
  readonly changes: ChangeFeed;
  readonly follower: DeploymentFollower;
  readonly nodeId: string;
  readonly resyncIntervalMs: number;
  readonly onError: (error: unknown, app: string | undefined) => void;
}

export class DeploymentSync {
  readonly #options: DeploymentSyncOptions;
  #unsubscribe: (() => Promise<void>) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #resyncing: Promise<void> | undefined;
  readonly #following = new Set<Promise<unknown>>();
  #stopped = false;

  constructor(options: DeploymentSyncOptions) {
    this.#options = options;
  }

  /** Listens for announcements and starts the periodic re-check. */
  async start(): Promise<void> {
    this.#unsubscribe = await this.#options.changes.subscribe(DEPLOYMENTS_CHANNEL, (payload) =>
      this.#onAnnouncement(payload),
    );
    this.#timer = setInterval(() => void this.resync(), this.#options.resyncIntervalMs);
    this.#timer.unref();
  }

  /** Tells the other nodes that `deployment` is the app's active version now. Never throws. */
  announce(deployment: DeploymentRecord): void {
    const message: DeploymentAnnouncement = {
      app: deployment.app,
      version: deployment.version,
      node: this.#options.nodeId,
    };
    // Best effort: the deploy is committed already, and the re-check covers a lost message.
    this.#options.changes
      .publish(DEPLOYMENTS_CHANNEL, JSON.stringify(message))
      .catch((error) => this.#options.onError(error, deployment.app));
  }

  /** Reloads every app whose active version in the store is not the one served here. */
  resync(): Promise<void> {
    this.#resyncing ??= (async () => {
      try {
        for (const summary of await this.#options.deployments.listApps()) {
          const served = this.#options.follower.servedVersion(summary.app);
          if (served === undefined || served < summary.activeVersion) await this.#follow(summary.app);
        }
      } catch (error) {
        this.#options.onError(error, undefined);
      } finally {
        this.#resyncing = undefined;
      }
    })();
    return this.#resyncing;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#unsubscribe?.().catch((error) => this.#options.onError(error, undefined));
    await this.#resyncing;
    await Promise.allSettled([...this.#following]);
  }

  #onAnnouncement(payload: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      parsed = undefined;
    }
    const result = announcement.safeParse(parsed);
    if (!result.success) {
      this.#options.onError(new Error(`Ignored a malformed deployment announcement: ${payload}`), undefined);
      return;
    }
    const { app, version } = result.data;
    if ((this.#options.follower.servedVersion(app) ?? 0) >= version) return;
    void this.#follow(app);
  }

  async #follow(app: string): Promise<void> {
    if (this.#stopped) return;
    const following = this.#options.follower.reload(app);
    this.#following.add(following);
    try {
      await following;
    } catch (error) {
      this.#options.onError(error, app);
    } finally {
      this.#following.delete(following);
    }
  }
}
