// X-Amz-Log-Type: Tail — the last 4 KB of the call's log, base64, in X-Amz-Log-Result, as
// Lambda gives it: the function's own lines between START, END and REPORT lines.
import type { InvocationOutcome } from "../../runtime/index.ts";
import type { StoredLogLine } from "../../store/ports.ts";

export const LOG_TAIL_BYTES = 4096;

function formatMs(ms: number): string {
  return `${ms.toFixed(2)} ms`;
}

export function formatLogTail(
  outcome: InvocationOutcome,
  lines: readonly StoredLogLine[],
  memoryMb: number,
): string {
  const id = outcome.requestId;
  const report = [
    `REPORT RequestId: ${id}`,
    `Duration: ${formatMs(outcome.durationMs)}`,
    `Billed Duration: ${outcome.billedDurationMs} ms`,
    `Memory Size: ${memoryMb} MB`,
    `Max Memory Used: ${outcome.peakMemoryMb ?? 0} MB`,
    ...(outcome.initDurationMs === undefined ? [] : [`Init Duration: ${formatMs(outcome.initDurationMs)}`]),
  ].join("\t");
  const text = [
    `START RequestId: ${id} Version: ${outcome.version}`,
    ...lines.map(
      (line) =>
        `${new Date(line.timestamp).toISOString()}\t${id}\t${line.level.toUpperCase()}\t${line.message}`,
    ),
    `END RequestId: ${id}`,
    report,
    "",
  ].join("\n");
  return lastBytesBase64(text, LOG_TAIL_BYTES);
}

/** The last `limit` bytes of the UTF-8 text, never starting inside a character. */
export function lastBytesBase64(text: string, limit: number): string {
  const bytes = Buffer.from(text, "utf8");
  let start = Math.max(0, bytes.byteLength - limit);
  while (start < bytes.byteLength && ((bytes[start] as number) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString("base64");
}
