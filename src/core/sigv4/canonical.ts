// The canonical request of AWS Signature Version 4
// (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html): what both the
// signer and the verifier hash, built from the request exactly as it travels.
import { createHash } from "node:crypto";

/** A request as the server received it; the path and query raw (percent-encoding kept). */
export interface SignableRequest {
  readonly method: string;
  readonly path: string;
  /** Everything after "?", without it; "" when absent. */
  readonly query: string;
  /** Header pairs as received (any case, repeats kept). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

export interface CanonicalOptions {
  /**
   * true for every AWS service but S3: the path is normalised ("." and ".." segments, empty
   * segments) and URI-encoded once more over what was sent. S3 signs the path as sent.
   */
  readonly doubleEncodePath: boolean;
  /** Query parameters left out of the canonical query (X-Amz-Signature of a presigned URL). */
  readonly omitQuery?: readonly string[];
}

/** RFC 3986 encoding as AWS wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX (upper case). */
export function uriEscape(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a malformed escape is signed as it is
  }
}

export function canonicalPath(path: string, options: CanonicalOptions): string {
  if (!options.doubleEncodePath) return path === "" ? "/" : path;
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith("/") ? "/" : "";
  return uriEscape(`/${segments.join("/")}${trailing}`).replace(/%2F/g, "/");
}

export function canonicalQuery(query: string, omit: readonly string[] = []): string {
  if (query === "") return "";
  const pairs: Array<[string, string]> = [];
  for (const part of query.split("&")) {
    if (part === "") continue;
    const equals = part.indexOf("=");
    const name = decodeComponent(equals === -1 ? part : part.slice(0, equals));
    if (omit.includes(name)) continue;
    const value = equals === -1 ? "" : decodeComponent(part.slice(equals + 1));
    pairs.push([uriEscape(name), uriEscape(value)]);
  }
  pairs.sort(([nameA, valueA], [nameB, valueB]) =>
    nameA < nameB ? -1 : nameA > nameB ? 1 : valueA < valueB ? -1 : valueA > valueB ? 1 : 0,
  );
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

/** The values of one header, trimmed and with inner runs of spaces collapsed, joined by ",". */
export function headerValue(request: SignableRequest, name: string): string | undefined {
  const values: string[] = [];
  for (const [key, value] of request.headers) {
    if (key.toLowerCase() === name) values.push(value.trim().replace(/\s+/g, " "));
  }
  return values.length === 0 ? undefined : values.join(",");
}

/** `signedHeaders` lower-case and sorted, as the Authorization header lists them. */
export function canonicalRequest(
  request: SignableRequest,
  signedHeaders: readonly string[],
  payloadHash: string,
  options: CanonicalOptions,
): string {
  const headerLines = signedHeaders.map((name) => `${name}:${headerValue(request, name) ?? ""}\n`).join("");
  return [
    request.method.toUpperCase(),
    canonicalPath(request.path, options),
    canonicalQuery(request.query, options.omitQuery),
    headerLines,
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
