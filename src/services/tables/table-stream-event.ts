// What a table-triggered function receives: DynamoDB Streams records (NEW_AND_OLD_IMAGES) with
// images in DynamoDB's attribute-value JSON, so handlers written for DynamoDB Streams (and
// `unmarshall` from @aws-sdk/util-dynamodb) work unchanged. Fetch-style handlers get the same
// JSON as the body of a CloudEvents binary-mode `POST /` of type "nimbus.table.changes".
import { createHash, randomUUID } from "node:crypto";
import type { TableConfig } from "../../core/manifest/tables.ts";
import type { TableItem } from "../../core/tables/index.ts";
import type { TableChangeRecord } from "../../store/table-change-ports.ts";

export const TABLE_CHANGES_EVENT_TYPE = "nimbus.table.changes";

export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly BOOL: boolean }
  | { readonly NULL: true }
  | { readonly L: AttributeValue[] }
  | { readonly M: Record<string, AttributeValue> };

/** A JSON value in DynamoDB's attribute-value form. */
export function toAttributeValue(value: unknown): AttributeValue {
  if (value === null || value === undefined) return { NULL: true };
  if (typeof value === "string") return { S: value };
  if (typeof value === "number") return { N: String(value) };
  if (typeof value === "boolean") return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttributeValue) };
  return { M: toAttributeMap(value as TableItem) };
}

export function toAttributeMap(item: TableItem): Record<string, AttributeValue> {
  const map: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(item)) map[name] = toAttributeValue(value);
  return map;
}

/** Sequence numbers as DynamoDB writes them: digits, zero-padded so text order is numeric order. */
export function sequenceNumber(seq: number): string {
  return String(seq).padStart(21, "0");
}

export function streamArn(app: string, table: string): string {
  return `arn:nimbus:dynamodb:local:${app}:table/${table}/stream/nimbus`;
}

export function streamRecord(app: string, config: TableConfig, change: TableChangeRecord) {
  const image = (change.newItem ?? change.oldItem) as TableItem;
  const keyNames = [config.partitionKey.name, ...(config.sortKey ? [config.sortKey.name] : [])];
  const keys: TableItem = {};
  for (const name of keyNames) if (image[name] !== undefined) keys[name] = image[name];
  const sizeBytes = Buffer.byteLength(JSON.stringify([keys, change.newItem ?? null, change.oldItem ?? null]));
  return {
    eventID: createHash("md5").update(`${app}/${change.table}/${change.seq}`).digest("hex"),
    eventName: change.name,
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "local",
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(change.atMs / 1000),
      Keys: toAttributeMap(keys),
      ...(change.newItem ? { NewImage: toAttributeMap(change.newItem) } : {}),
      ...(change.oldItem ? { OldImage: toAttributeMap(change.oldItem) } : {}),
      SequenceNumber: sequenceNumber(change.seq),
      SizeBytes: sizeBytes,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
    eventSourceARN: streamArn(app, change.table),
    // As DynamoDB marks deletions made by its TTL process.
    ...(change.expired ? { userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" } } : {}),
  };
}

export type StreamRecord = ReturnType<typeof streamRecord>;

export interface StreamBatchRequest {
  readonly payload: Uint8Array;
  readonly fetchRequest: { readonly headers: [string, string][]; readonly body: Uint8Array };
}

export function toStreamBatchRequest(
  app: string,
  table: string,
  records: readonly StreamRecord[],
): StreamBatchRequest {
  const payload = Buffer.from(JSON.stringify({ Records: records }));
  const headers: [string, string][] = [
    ["content-type", "application/json"],
    ["ce-specversion", "1.0"],
    ["ce-id", randomUUID()],
    ["ce-source", `/apps/${app}/tables/${table}`],
    ["ce-type", TABLE_CHANGES_EVENT_TYPE],
    ["ce-subject", table],
    ["ce-time", new Date().toISOString()],
    ["x-nimbus-invocation", "table"],
  ];
  return { payload, fetchRequest: { headers, body: payload } };
}

/**
 * Where processing stopped, from the function's answer: undefined when the whole batch
 * succeeded, else the index of the first record to retry. As Lambda's ReportBatchItemFailures
 * for streams: `{ batchItemFailures: [{ itemIdentifier: <SequenceNumber> }] }` retries from the
 * lowest one named; a non-2xx answer or a malformed list fails the whole batch.
 */
export function firstFailedIndex(
  answer: { readonly status: number; readonly body: Uint8Array } | undefined,
  records: readonly StreamRecord[],
): number | undefined {
  if (!answer || answer.status < 200 || answer.status > 299) return 0;
  const text = Buffer.from(answer.body).toString("utf8").trim();
  if (text === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const failures = (parsed as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (failures === undefined || failures === null) return undefined;
  if (!Array.isArray(failures)) return 0;
  let first: number | undefined;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = records.findIndex((record) => record.dynamodb.SequenceNumber === id);
    if (index < 0) return 0;
    first = first === undefined ? index : Math.min(first, index);
  }
  return first;
}

/** Lambda's on-failure record for a stream batch, plus the keys of its records when they fit. */
export function streamFailureRecord(input: {
  app: string;
  functionName: string;
  table: string;
  records: readonly StreamRecord[];
  attempts: number;
  statusCode: number | undefined;
  error: string | undefined;
}) {
  const { records } = input;
  const first = records[0] as StreamRecord;
  const last = records[records.length - 1] as StreamRecord;
  const record = {
    requestContext: {
      requestId: randomUUID(),
      functionArn: `arn:nimbus:lambda:local:${input.app}:function:${input.functionName}`,
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: input.attempts,
    },
    responseContext: {
      statusCode: input.statusCode ?? 500,
      executedVersion: "$LATEST",
      ...(input.error === undefined ? {} : { functionError: input.error }),
    },
    version: "1.0",
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: `shardId-${input.table}`,
      startSequenceNumber: first.dynamodb.SequenceNumber,
      endSequenceNumber: last.dynamodb.SequenceNumber,
      approximateArrivalOfFirstRecord: new Date(
        first.dynamodb.ApproximateCreationDateTime * 1000,
      ).toISOString(),
      approximateArrivalOfLastRecord: new Date(
        last.dynamodb.ApproximateCreationDateTime * 1000,
      ).toISOString(),
      batchSize: records.length,
      streamArn: first.eventSourceARN,
    },
  };
  const keys = records.map((r) => ({
    eventName: r.eventName,
    SequenceNumber: r.dynamodb.SequenceNumber,
    Keys: r.dynamodb.Keys,
  }));
  const withKeys = JSON.stringify({ ...record, Records: keys });
  // A queue message holds at most 256 KB: past that, the batch info alone.
  return Buffer.byteLength(withKeys) <= 200_000 ? withKeys : JSON.stringify(record);
}
