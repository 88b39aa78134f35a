// What a route, a trigger (queue, topic subscription, schedule) or a call (the Invoke API, an
// async invocation) can target besides the latest version: an alias name
// ("live", "beta") or a version number, as Lambda's qualifiers. Alias names are Lambda's: not
// only digits (those are versions), not "$LATEST" (the default).
import { z } from "zod";

export const ALIAS_NAME = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;
export const ALIAS_NAME_RULE = "letters, digits, - and _ (at most 128, not only digits)";

export const qualifierSchema = z
  .union([
    z.string().regex(ALIAS_NAME, `alias names are ${ALIAS_NAME_RULE}`),
    z.int().min(1).describe("a version number"),
  ])
  .describe(
    'An alias ("live") or a version number called instead of the latest version; an alias that does not exist yet is created on the latest version at deploy.',
  );

export type QualifierDocument = z.infer<typeof qualifierSchema>;

/** As routes, triggers and calls carry it: a string; undefined for the latest version. */
export function normalizeQualifier(value: QualifierDocument | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

/** True for "7" (a version), false for an alias name. */
export function isVersionQualifier(qualifier: string): boolean {
  return /^\d+$/.test(qualifier);
}

/** A qualifier a caller sends (a query parameter): an alias name, a version number or "$LATEST". */
export function isQualifier(text: string): boolean {
  return text === "$LATEST" || isVersionQualifier(text) || ALIAS_NAME.test(text);
}
