// nimbus up: serve a data directory (the deployed apps in it) until stopped. On SIGTERM or
// SIGINT it drains (calls in flight finish, up to --drain-timeout-ms) and hands its leases
// back; a second signal stops at once.
import { resolve } from "node:path";
import { createPlatform } from "../../platform.ts";
import { rememberServer } from "../credentials.ts";

export interface UpOptions {
  port: number;
  host: string;
  dataDir: string;
  store?: string;
  cacheUrl?: string;
  bundleDir?: string;
  bundleStore?: string;
  blobDir?: string;
  blobStore?: string;
  nodeId?: string;
  drainTimeoutMs: number;
  leaseTtlMs: number;
  workflowReplayAttempts: number;
}

export async function up(options: UpOptions): Promise<void> {
  const dataDir = resolve(options.dataDir);
  const startedAt = performance.now();
  const platform = createPlatform({
    dataDir,
    port: options.port,
    host: options.host,
    drainTimeoutMs: options.drainTimeoutMs,
    leaseTtlMs: options.leaseTtlMs,
    workflowReplayAttempts: options.workflowReplayAttempts,
    ...(options.store ? { storeUrl: options.store } : {}),
    ...(options.cacheUrl ? { cacheUrl: options.cacheUrl } : {}),
    ...(options.bundleDir ? { bundleDir: options.bundleDir } : {}),
    ...(options.bundleStore ? { bundleStore: options.bundleStore } : {}),
    ...(options.blobDir ? { blobDir: options.blobDir } : {}),
    ...(options.blobStore ? { blobStore: options.blobStore } : {}),
    ...(options.nodeId ? { nodeId: options.nodeId } : {}),
  });
  const { url, createdAdminKey } = await platform.start();
  rememberServer(dataDir, url, createdAdminKey);
  if (createdAdminKey) console.log(`Admin key (shown once, saved for the CLI): ${createdAdminKey}`);
  console.log(
    `Nimbus ready on ${url} in ${Math.round(performance.now() - startedAt)} ms ` +
      `(data: ${dataDir}, node: ${platform.nodeId})`,
  );
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once("SIGINT", () => done("SIGINT"));
    process.once("SIGTERM", () => done("SIGTERM"));
  });
  console.log(`${signal}: draining (up to ${options.drainTimeoutMs} ms); a second signal stops at once`);
  const now = () => {
    console.log("Stopping at once");
    process.exit(1);
  };
  process.once("SIGINT", now);
  process.once("SIGTERM", now);
  await platform.stop();
  console.log("Stopped");
}
