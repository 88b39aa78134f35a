// Pagination cursors: opaque to callers (base64url JSON), validated when they come back, so a
// tampered cursor is a clear BAD_REQUEST and never reaches SQL as anything but a key value.
import { z } from "zod";
import { NimbusError } from "../../core/errors.ts";
import type { QueryCursor, StoredKey } from "../../store/table-ports.ts";

const cursorSchema = z.strictObject({
  p: z.string(),
  s: z.string(),
  ip: z.string().optional(),
  is: z.string().optional(),
});

export function encodeCursor(key: StoredKey, indexSort: string | undefined): string {
  const body =
    indexSort === undefined
      ? { p: key.partition, s: key.sort }
      : { p: key.partition, s: key.sort, ip: key.partition, is: indexSort };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

function decode(cursor: string): z.infer<typeof cursorSchema> {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    if (parsed.success) return parsed.data;
  } catch {
    // Not JSON: the same answer as a well-formed cursor of the wrong shape.
  }
  throw new NimbusError("BAD_REQUEST", "Invalid cursor: pass the 'cursor' of the previous page unchanged");
}

export function decodeScanCursor(cursor: string | undefined): StoredKey | undefined {
  if (cursor === undefined) return undefined;
  const { p, s } = decode(cursor);
  return { partition: p, sort: s };
}

/** Table queries continue after the sort key; index queries after (index sort key, item key). */
export function decodeQueryCursor(cursor: string | undefined, onIndex: boolean): QueryCursor | undefined {
  if (cursor === undefined) return undefined;
  const { p, s, is } = decode(cursor);
  if (onIndex) {
    if (is === undefined)
      throw new NimbusError(
        "BAD_REQUEST",
        "Invalid cursor: it belongs to a query of the table, not of an index",
      );
    return { sort: is, item: { partition: p, sort: s } };
  }
  return { sort: s, item: undefined };
}
