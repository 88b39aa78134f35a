// Table change streams: the outbox of table writes (src/services/tables/table-streams.ts).
// A mutation that asks for it (`ItemMutation.recordChange`) writes one change record in the
// same transaction as the item, so an acknowledged write never loses its event. Records of one
// table are numbered in commit order (`seq`), which is the order consumers get them in.
import type { TableItem } from "../core/tables/index.ts";
import type { StoredKey } from "./table-ports.ts";

export type TableChangeName = "INSERT" | "MODIFY" | "REMOVE";

export interface TableChangeRecord {
  /** Increases with every record; records of one table commit in this order. */
  readonly seq: number;
  readonly table: string;
  readonly key: StoredKey;
  readonly name: TableChangeName;
  /** The item before the write (MODIFY, REMOVE). */
  readonly oldItem: TableItem | undefined;
  /** The item after the write (INSERT, MODIFY). */
  readonly newItem: TableItem | undefined;
  /** A REMOVE made by the TTL sweep rather than by a caller. */
  readonly expired: boolean;
  /** When the write committed, epoch ms by the writer's clock. */
  readonly atMs: number;
}

export interface TableChangeStore {
  /** Records of one table after `afterSeq` (exclusive), oldest first, at most `limit`. */
  readChanges(app: string, table: string, afterSeq: number, limit: number): Promise<TableChangeRecord[]>;
  /** The last seq a consumer has processed (0 when it has processed none). */
  changeCheckpoint(app: string, table: string, consumer: string): Promise<number>;
  /** Moves a consumer's checkpoint forward to `seq`; never backward (a stale node cannot rewind it). */
  advanceChangeCheckpoint(app: string, table: string, consumer: string, seq: number): Promise<void>;
  /**
   * Deletes records of one table up to `throughSeq` (every consumer is past them), and records of
   * any table written before `beforeMs` (the retention). Returns how many were deleted.
   */
  pruneChanges(app: string, table: string, throughSeq: number, beforeMs: number): Promise<number>;
  /** Forgets checkpoints of consumers that no longer exist (all but `keep` of an app's table). */
  dropChangeCheckpoints(app: string, table: string, keep: readonly string[]): Promise<void>;
}

/** The event name a write makes, or undefined when it changed nothing (no record, as DynamoDB). */
export function changeNameOf(
  oldItem: TableItem | undefined,
  newItem: TableItem | undefined,
): TableChangeName | undefined {
  if (oldItem === undefined) return newItem === undefined ? undefined : "INSERT";
  if (newItem === undefined) return "REMOVE";
  return JSON.stringify(oldItem) === JSON.stringify(newItem) ? undefined : "MODIFY";
}
