// Key values as the store keeps them: the partition and sort key as text (numbers in their
// canonical JSON form) and numeric sort keys also as a number, so they sort as numbers.

import { NimbusError } from "../../core/errors.ts";
import type { TableConfig, TableIndexConfig, TableKeyConfig } from "../../core/manifest/tables.ts";
import type { KeyValue, TableItem, TableValue } from "../../core/tables/index.ts";
import type { StoredIndexKey, StoredKey } from "../../store/table-ports.ts";
import { TABLE_LIMITS } from "./table-limits.ts";

function keyError(message: string): NimbusError {
  return new NimbusError("TABLE_KEY_INVALID", message);
}

/** The key attribute's value as stored, or undefined when the item lacks it or it has another type. */
function keyText(spec: TableKeyConfig, value: TableValue | undefined): string | undefined {
  if (spec.type === "string" && typeof value === "string" && value !== "") return value;
  if (spec.type === "number" && typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

export function encodeKeyValue(spec: TableKeyConfig, value: TableValue | undefined, table: string): string {
  const text = keyText(spec, value);
  if (text === undefined)
    throw keyError(
      `Table "${table}": the key attribute "${spec.name}" must be a ${spec.type === "string" ? "non-empty string" : "finite number"}`,
    );
  if (Buffer.byteLength(text) > TABLE_LIMITS.maxKeyBytes)
    throw keyError(
      `Table "${table}": the key attribute "${spec.name}" is over ${TABLE_LIMITS.maxKeyBytes} bytes`,
    );
  return text;
}

/** The stored key of an item or a key object; with `exact`, other attributes are refused. */
export function storedKeyOf(config: TableConfig, item: TableItem, exact: boolean): StoredKey {
  if (exact) {
    const allowed = [config.partitionKey.name, config.sortKey?.name];
    const extra = Object.keys(item).filter((name) => !allowed.includes(name));
    if (extra.length > 0)
      throw keyError(
        `Table "${config.name}": a key has only ${allowed.filter(Boolean).join(" and ")}, not ${extra.join(", ")}`,
      );
  }
  return {
    partition: encodeKeyValue(config.partitionKey, item[config.partitionKey.name], config.name),
    sort: config.sortKey ? encodeKeyValue(config.sortKey, item[config.sortKey.name], config.name) : "",
  };
}

export function sortNumberOf(spec: TableKeyConfig | undefined, item: TableItem): number | null {
  const value = spec ? item[spec.name] : undefined;
  return spec?.type === "number" && typeof value === "number" ? value : null;
}

/** The index entries of an item: one per index whose keys the item has with the right types. */
export function indexKeysOf(config: TableConfig, item: TableItem): StoredIndexKey[] {
  return Object.values(config.indexes).flatMap((index: TableIndexConfig) => {
    const partition = keyText(index.partitionKey, item[index.partitionKey.name]);
    const sort = index.sortKey ? keyText(index.sortKey, item[index.sortKey.name]) : "";
    if (partition === undefined || sort === undefined) return [];
    return [{ index: index.name, partition, sort, sortNumber: sortNumberOf(index.sortKey, item) }];
  });
}

export function keyValueMatches(spec: TableKeyConfig, value: KeyValue): boolean {
  return spec.type === "string" ? typeof value === "string" : typeof value === "number";
}
