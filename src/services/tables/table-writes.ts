// Turns a put, update, delete or condition check into a store mutation whose `decide` runs the
// condition and the update inside the store's transaction: what is checked is what is written.
import { NimbusError } from "../../core/errors.ts";
import type { TableConfig } from "../../core/manifest/tables.ts";
import {
  applyUpdate,
  type Condition,
  type ExpressionInputs,
  evaluateCondition,
  parseCondition,
  parseUpdate,
  type TableItem,
  type UpdateAction,
} from "../../core/tables/index.ts";
import type { ItemMutation, StoredItemWrite, StoredKey } from "../../store/table-ports.ts";
import { indexKeysOf, sortNumberOf, storedKeyOf } from "./table-keys.ts";
import { TABLE_LIMITS } from "./table-limits.ts";

export type TableWrite =
  | { readonly kind: "put"; readonly item: TableItem }
  | { readonly kind: "update"; readonly key: TableItem; readonly update: string }
  | { readonly kind: "delete"; readonly key: TableItem }
  | { readonly kind: "check"; readonly key: TableItem };

export interface WriteRequest {
  readonly write: TableWrite;
  readonly condition?: string;
  readonly inputs: ExpressionInputs;
}

export function isExpired(config: TableConfig, item: TableItem | undefined, nowSeconds: number): boolean {
  const ttl = config.ttlAttribute ? item?.[config.ttlAttribute] : undefined;
  return typeof ttl === "number" && ttl <= nowSeconds;
}

/** Returns the item as JSON (what the store writes), after checking its size. */
export function checkItemSize(config: TableConfig, item: TableItem): string {
  const json = JSON.stringify(item);
  const bytes = Buffer.byteLength(json);
  if (bytes > TABLE_LIMITS.maxItemBytes)
    throw new NimbusError(
      "TABLE_ITEM_TOO_LARGE",
      `Table "${config.name}": the item is ${bytes} bytes as JSON; the limit is ${TABLE_LIMITS.maxItemBytes}`,
      { details: { bytes, limitBytes: TABLE_LIMITS.maxItemBytes } },
    );
  return json;
}

export function storedWrite(config: TableConfig, item: TableItem, json?: string): StoredItemWrite {
  const itemJson = json ?? checkItemSize(config, item);
  const ttl = config.ttlAttribute ? item[config.ttlAttribute] : undefined;
  return {
    item,
    json: itemJson,
    sortNumber: sortNumberOf(config.sortKey, item),
    indexKeys: indexKeysOf(config, item),
    expiresAtSeconds: typeof ttl === "number" && Number.isFinite(ttl) ? Math.floor(ttl) : null,
  };
}

function sameKey(one: StoredKey, two: StoredKey): boolean {
  return one.partition === two.partition && one.sort === two.sort;
}

/** Parses everything up front, so a malformed expression fails before the store is touched. */
export function planWrite(
  config: TableConfig,
  request: WriteRequest,
  nowSeconds: () => number,
): ItemMutation {
  const { write } = request;
  const key =
    write.kind === "put" ? storedKeyOf(config, write.item, false) : storedKeyOf(config, write.key, true);
  // A put's size is checked (and its JSON made) once, before the store is touched.
  const putJson = write.kind === "put" ? checkItemSize(config, write.item) : undefined;
  const condition: Condition | undefined =
    request.condition === undefined ? undefined : parseCondition(request.condition, request.inputs);
  const actions: UpdateAction[] | undefined =
    write.kind === "update" ? parseUpdate(write.update, request.inputs) : undefined;
  return {
    table: config.name,
    key,
    decide(stored) {
      const current = isExpired(config, stored, nowSeconds()) ? undefined : stored;
      if (condition && !evaluateCondition(condition, current ?? {}))
        throw new NimbusError(
          "TABLE_CONDITION_FAILED",
          `Table "${config.name}": the condition "${request.condition}" is false for the item`,
        );
      switch (write.kind) {
        case "put":
          return storedWrite(config, write.item, putJson);
        case "delete":
          return null;
        case "check":
          return current ? storedWrite(config, current) : null;
        case "update": {
          const updated = applyUpdate(actions as UpdateAction[], current ?? { ...write.key });
          if (!sameKey(storedKeyOf(config, updated, false), key))
            throw new NimbusError(
              "TABLE_KEY_INVALID",
              `Table "${config.name}": an update cannot change or remove key attributes`,
            );
          return storedWrite(config, updated);
        }
      }
    },
  };
}
