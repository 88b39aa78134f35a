// Log retention is the platform's first cluster singleton: every node appends log lines,
// but only the holder of the "nimbus.log-retention" lease deletes the oldest ones, so two
// nodes never run the same large DELETE at once. The holder prunes every
// LOG_PRUNE_INTERVAL_MS, and sooner when its own recorder has written many lines.
import type { LeaseStore, LogStore } from "../store/ports.ts";
import { Singleton } from "./singleton.ts";

export const LOG_RETENTION_LEASE = "nimbus.log-retention";
export const LOG_PRUNE_INTERVAL_MS = 30_000;

export interface LogRetentionOptions {
  readonly leases: LeaseStore;
  readonly logs: LogStore;
  readonly nodeId: string;
  readonly ttlMs: number;
  readonly keepLines: number;
  readonly onError: (error: unknown) => void;
}

export function createLogRetention(options: LogRetentionOptions): Singleton {
  return new Singleton({
    leases: options.leases,
    name: LOG_RETENTION_LEASE,
    holder: options.nodeId,
    ttlMs: options.ttlMs,
    task: {
      everyMs: LOG_PRUNE_INTERVAL_MS,
      run: async () => {
        await options.logs.pruneLogs(options.keepLines);
      },
    },
    onError: options.onError,
  });
}
