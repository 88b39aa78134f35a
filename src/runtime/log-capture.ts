// Server side of log capture. An instance's stdout and stderr arrive in chunks that cut
// lines anywhere; they are re-assembled into lines here and each line is attributed to a
// call. Lines written by the shim's console carry LOG_MARKER, the request id and the
// level; anything else (raw process.stdout writes, Node's own crash report) belongs to the
// only call in flight when there is exactly one, otherwise to no call.
import { LOG_MARKER } from "./protocol.ts";
import type { LogLine } from "./types.ts";

export type LogLevel = LogLine["level"];
export type LogStream = LogLine["stream"];

/** A line longer than this is cut into several: one runaway write must not hold memory forever. */
export const MAX_LINE_CHARS = 256 * 1024;

const LEVELS: ReadonlySet<string> = new Set<LogLevel>(["info", "warn", "error", "debug"]);

/** Cuts a stream of text chunks into lines (without the "\n"), keeping the unfinished tail. */
export class LineSplitter {
  readonly #onLine: (line: string) => void;
  #partial = "";

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  push(chunk: string): void {
    let start = 0;
    let newline = chunk.indexOf("\n");
    while (newline !== -1) {
      const piece = chunk.slice(start, newline);
      if (this.#partial === "") this.#emit(piece);
      else {
        this.#emit(this.#partial + piece);
        this.#partial = "";
      }
      start = newline + 1;
      newline = chunk.indexOf("\n", start);
    }
    if (start < chunk.length) {
      this.#partial += start === 0 ? chunk : chunk.slice(start);
      while (this.#partial.length > MAX_LINE_CHARS) {
        this.#onLine(this.#partial.slice(0, MAX_LINE_CHARS));
        this.#partial = this.#partial.slice(MAX_LINE_CHARS);
      }
    }
  }

  /** The stream ended: an unfinished last line is still a line. */
  end(): void {
    if (this.#partial !== "") this.#emit(this.#partial);
    this.#partial = "";
  }

  #emit(line: string): void {
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    for (let at = 0; at < text.length; at += MAX_LINE_CHARS)
      this.#onLine(text.slice(at, at + MAX_LINE_CHARS));
    if (text.length === 0) this.#onLine(text);
  }
}

export interface ParsedLine {
  /** From the marker; undefined for unmarked lines and for console calls outside any request. */
  readonly requestId: string | undefined;
  readonly level: LogLevel;
  readonly message: string;
  readonly marked: boolean;
}

function rawLine(stream: LogStream, message: string): ParsedLine {
  return { requestId: undefined, level: stream === "stderr" ? "error" : "info", message, marked: false };
}

/**
 * Reads one line and hands its entries to `sink`: usually one, two when a console call
 * followed a raw write that had no trailing newline (the raw part comes first).
 */
export function readLine(stream: LogStream, line: string, sink: (entry: ParsedLine) => void): void {
  const at = line.indexOf(LOG_MARKER);
  if (at === -1) sink(rawLine(stream, line));
  else if (at === 0) sink(parseMarked(stream, line));
  else {
    sink(rawLine(stream, line.slice(0, at)));
    sink(parseMarked(stream, line.slice(at)));
  }
}

/** A line that starts with LOG_MARKER: `marker requestId \t level \t JSON string`. */
function parseMarked(stream: LogStream, line: string): ParsedLine {
  const idStart = LOG_MARKER.length;
  const idEnd = line.indexOf("\t", idStart);
  const levelEnd = idEnd === -1 ? -1 : line.indexOf("\t", idEnd + 1);
  if (levelEnd === -1) return rawLine(stream, line.slice(idStart));
  const level = line.slice(idEnd + 1, levelEnd);
  const encoded = line.slice(levelEnd + 1);
  let message: string;
  try {
    const decoded: unknown = JSON.parse(encoded);
    message = typeof decoded === "string" ? decoded : encoded;
  } catch {
    message = encoded; // cut by MAX_LINE_CHARS: keep the text rather than lose it
  }
  return {
    requestId: idEnd === idStart ? undefined : line.slice(idStart, idEnd),
    level: LEVELS.has(level) ? (level as LogLevel) : stream === "stderr" ? "error" : "info",
    message,
    marked: true,
  };
}
