// Object keys are opaque strings to S3, but Nimbus also serves them as URL paths and some
// tools map them to file paths, so keys that could climb out of a folder are refused.
import { NimbusError } from "../../core/errors.ts";

export const MAX_KEY_BYTES = 1024;

// Control characters (C0, DEL, C1): they break headers, logs and listings.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The key, or OBJECT_KEY_INVALID saying why not. */
export function validateObjectKey(key: string): string {
  const refuse = (why: string): never => {
    throw new NimbusError(
      "OBJECT_KEY_INVALID",
      `Invalid object key ${JSON.stringify(key.slice(0, 100))}: ${why}`,
    );
  };
  if (key.length === 0) refuse("it is empty");
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) refuse(`it is longer than ${MAX_KEY_BYTES} bytes`);
  if (!key.isWellFormed()) refuse("it is not valid UTF-8 (a lone surrogate)");
  if (CONTROL.test(key)) refuse("it contains a control character");
  if (key.startsWith("/")) refuse("it starts with '/'");
  if (key.includes("\\")) refuse("it contains a backslash");
  for (const segment of key.split("/")) {
    if (segment === "." || segment === "..") refuse("it has a '.' or '..' path segment");
  }
  return key;
}
