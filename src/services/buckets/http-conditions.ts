// Range and conditional requests on objects (RFC 9110 §13 and §14), as S3 answers them:
// one byte range per request; If-Match / If-Unmodified-Since fail with 412, If-None-Match /
// If-Modified-Since answer 304 for reads.
import { NimbusError } from "../../core/errors.ts";

export interface ByteRange {
  readonly start: number;
  readonly endInclusive: number;
}

export interface ConditionHeaders {
  readonly ifMatch?: string | undefined;
  readonly ifNoneMatch?: string | undefined;
  readonly ifModifiedSince?: string | undefined;
  readonly ifUnmodifiedSince?: string | undefined;
}

const RANGE = /^bytes=(\d*)-(\d*)$/;

function unsatisfiable(header: string, sizeBytes: number): never {
  throw new NimbusError(
    "OBJECT_RANGE_NOT_SATISFIABLE",
    `The range "${header}" is outside the object's ${sizeBytes} bytes`,
    { details: { sizeBytes } },
  );
}

/** The requested range, clamped to the object; undefined for the whole object. */
export function parseByteRange(header: string | undefined, sizeBytes: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = RANGE.exec(header.trim());
  if (!match) unsatisfiable(header, sizeBytes);
  const [, first = "", last = ""] = match as RegExpExecArray;
  if (first === "" && last === "") unsatisfiable(header, sizeBytes);
  if (first === "") {
    // A suffix range: the last N bytes.
    const length = Number(last);
    if (length === 0 || sizeBytes === 0) unsatisfiable(header, sizeBytes);
    return { start: Math.max(0, sizeBytes - length), endInclusive: sizeBytes - 1 };
  }
  const start = Number(first);
  const end = last === "" ? sizeBytes - 1 : Math.min(Number(last), sizeBytes - 1);
  if (start >= sizeBytes || (last !== "" && Number(last) < start)) unsatisfiable(header, sizeBytes);
  return { start, endInclusive: end };
}

function etagMatches(list: string, etag: string): boolean {
  return list
    .split(",")
    .map((each) => each.trim().replace(/^W\//, ""))
    .some((each) => each === "*" || each === etag);
}

// HTTP dates have whole seconds: compare the object's time truncated to them.
function modifiedAfter(lastModifiedMs: number, header: string): boolean | undefined {
  const since = Date.parse(header);
  if (Number.isNaN(since)) return undefined;
  return Math.floor(lastModifiedMs / 1000) * 1000 > since;
}

/**
 * "proceed" or "not-modified" (answer 304 to a read); OBJECT_PRECONDITION_FAILED when a
 * precondition is false. Invalid dates are ignored, as RFC 9110 says.
 */
export function evaluateConditions(
  headers: ConditionHeaders,
  object: { etag: string; lastModifiedMs: number },
): "proceed" | "not-modified" {
  const failed = (which: string): never => {
    throw new NimbusError(
      "OBJECT_PRECONDITION_FAILED",
      `The ${which} condition is false for the stored object`,
    );
  };
  if (headers.ifMatch !== undefined) {
    if (!etagMatches(headers.ifMatch, object.etag)) failed("If-Match");
  } else if (headers.ifUnmodifiedSince !== undefined) {
    if (modifiedAfter(object.lastModifiedMs, headers.ifUnmodifiedSince) === true)
      failed("If-Unmodified-Since");
  }
  if (headers.ifNoneMatch !== undefined) {
    return etagMatches(headers.ifNoneMatch, object.etag) ? "not-modified" : "proceed";
  }
  if (headers.ifModifiedSince !== undefined) {
    return modifiedAfter(object.lastModifiedMs, headers.ifModifiedSince) === false
      ? "not-modified"
      : "proceed";
  }
  return "proceed";
}
