import type { NewLogLine } from "../../store/ports.ts";

/** One log line as a terminal shows it: time, function, request id, level, message. */
export function formatLogLine(line: NewLogLine): string {
  const time = new Date(line.timestamp).toISOString().slice(11, 23);
  const request = line.requestId ? line.requestId.slice(0, 8) : "--------";
  const level = line.level === "info" ? "" : `${line.level.toUpperCase()} `;
  return `${time} ${line.functionName} ${request} ${level}${line.message}`;
}

export function printLogLine(line: NewLogLine): void {
  process.stdout.write(`${formatLogLine(line)}\n`);
}
