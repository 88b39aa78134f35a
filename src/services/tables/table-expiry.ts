// The TTL sweep: deletes items whose TTL attribute (epoch seconds) has passed. Reads already hide
// such items (as absent, also for conditions), so the sweep only reclaims space; it runs on one
// node at a time, under the cluster's "nimbus.table-expiry" lease.
import { Singleton } from "../../cluster/index.ts";
import type { LeaseStore } from "../../store/ports.ts";
import type { TableService } from "./table-service.ts";

export const TABLE_EXPIRY_LEASE = "nimbus.table-expiry";
export const TABLE_EXPIRY_INTERVAL_MS = 30_000;

export interface TableExpiryOptions {
  readonly service: TableService;
  readonly leases: LeaseStore;
  readonly nodeId: string;
  readonly leaseTtlMs: number;
  /** The live apps, each with its tables that declare a TTL attribute. */
  readonly tablesWithTtl: () => { readonly app: string; readonly tables: readonly string[] }[];
  readonly everyMs?: number;
  readonly onError: (error: unknown) => void;
}

/** One pass over every table with a TTL; returns how many items it deleted. */
export async function sweepExpiredItems(
  options: Pick<TableExpiryOptions, "service" | "tablesWithTtl">,
): Promise<number> {
  let deleted = 0;
  for (const { app, tables } of options.tablesWithTtl())
    for (const table of tables) deleted += await options.service.expire(app, table);
  return deleted;
}

export function createTableExpiry(options: TableExpiryOptions): Singleton {
  return new Singleton({
    leases: options.leases,
    name: TABLE_EXPIRY_LEASE,
    holder: options.nodeId,
    ttlMs: options.leaseTtlMs,
    task: {
      everyMs: options.everyMs ?? TABLE_EXPIRY_INTERVAL_MS,
      run: async () => {
        await sweepExpiredItems(options);
      },
    },
    onError: options.onError,
  });
}
