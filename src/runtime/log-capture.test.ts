import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LineSplitter, MAX_LINE_CHARS, type ParsedLine, readLine } from "./log-capture.ts";
import { LOG_MARKER } from "./protocol.ts";

function split(chunks: string[], end = true): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  for (const chunk of chunks) splitter.push(chunk);
  if (end) splitter.end();
  return lines;
}

function read(stream: "stdout" | "stderr", line: string): ParsedLine[] {
  const entries: ParsedLine[] = [];
  readLine(stream, line, (entry) => entries.push(entry));
  return entries;
}

describe("LineSplitter", () => {
  it("re-assembles lines cut anywhere by the pipe", () => {
    assert.deepEqual(split(["ab", "c\nde", "f\n\ng", "h"]), ["abc", "def", "", "gh"]);
  });

  it("keeps an unfinished line until the stream ends", () => {
    assert.deepEqual(split(["one\ntw"], false), ["one"]);
    assert.deepEqual(split(["one\ntw"]), ["one", "tw"]);
  });

  it("drops the carriage return of CRLF line ends", () => {
    assert.deepEqual(split(["a\r\nb\r\n"]), ["a", "b"]);
  });

  it("cuts a runaway line instead of buffering it forever", () => {
    const lines = split(["x".repeat(MAX_LINE_CHARS * 2 + 5)], false);
    assert.deepEqual(
      lines.map((line) => line.length),
      [MAX_LINE_CHARS, MAX_LINE_CHARS],
    );
  });
});

describe("readLine", () => {
  it("reads the request id, level and message of a marked line", () => {
    const line = `${LOG_MARKER}req-1\twarn\t${JSON.stringify("two\nlines")}`;
    assert.deepEqual(read("stderr", line), [
      { requestId: "req-1", level: "warn", message: "two\nlines", marked: true },
    ]);
  });

  it("gives a marked line printed outside any call no request id", () => {
    const [entry] = read("stdout", `${LOG_MARKER}\tinfo\t"at init"`);
    assert.equal(entry?.requestId, undefined);
    assert.equal(entry?.message, "at init");
  });

  it("treats unmarked lines as raw: info on stdout, error on stderr", () => {
    assert.deepEqual(read("stdout", "plain"), [
      { requestId: undefined, level: "info", message: "plain", marked: false },
    ]);
    assert.equal(read("stderr", "oops")[0]?.level, "error");
  });

  it("splits raw text that precedes a marker on the same line", () => {
    const entries = read("stdout", `partial${LOG_MARKER}r\tinfo\t"then a log"`);
    assert.deepEqual(
      entries.map((entry) => [entry.marked, entry.message]),
      [
        [false, "partial"],
        [true, "then a log"],
      ],
    );
  });

  it("keeps the text of a marked line whose JSON was cut", () => {
    const [entry] = read("stdout", `${LOG_MARKER}r\terror\t"unterminated`);
    assert.equal(entry?.message, '"unterminated');
    assert.equal(entry?.level, "error");
  });
});
