// Wildcard patterns with policy variables, as IAM has them: "*" matches any run of characters
// (slashes and colons included), "?" exactly one; "${principal.userId}" is replaced by the value
// from the request context, taken literally (a "*" inside a user id is not a wildcard); "${*}",
// "${?}" and "${$}" write those characters literally.
import type { RequestContext } from "./types.ts";

const VARIABLE = /\$\{([^}]*)\}/y;
const LITERAL_ESCAPES: Readonly<Record<string, string>> = { "*": "*", "?": "?", $: "$" };
const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g;

const cache = new Map<string, RegExp>();
const CACHE_LIMIT = 5_000;

function escapeRegex(text: string): string {
  return text.replace(REGEX_SPECIAL, "\\$&");
}

/** A single string value of a context key, or undefined when absent or multi-valued. */
export function contextString(context: RequestContext, key: string): string | undefined {
  const value = context[key];
  if (value === undefined || Array.isArray(value)) return undefined;
  return String(value);
}

/** True when the pattern holds a ${…} variable (not counting the literal escapes). */
export function hasVariables(pattern: string): boolean {
  for (const match of pattern.matchAll(/\$\{([^}]*)\}/g)) {
    if (!Object.hasOwn(LITERAL_ESCAPES, match[1] as string)) return true;
  }
  return false;
}

/**
 * The regular expression for a pattern, with its variables resolved; undefined when a variable
 * names a key the context does not have (such a pattern matches nothing, as in IAM).
 */
export function compilePattern(
  pattern: string,
  context: RequestContext,
  options: { ignoreCase: boolean },
): RegExp | undefined {
  const cacheKey = `${options.ignoreCase ? "i" : "s"}${pattern}`;
  const variables = pattern.includes("${");
  if (!variables) {
    const cached = cache.get(cacheKey);
    if (cached) return cached;
  }
  let source = "";
  let index = 0;
  while (index < pattern.length) {
    const char = pattern[index] as string;
    if (char === "$") {
      VARIABLE.lastIndex = index;
      const match = VARIABLE.exec(pattern);
      if (match) {
        const name = match[1] as string;
        const literal = Object.hasOwn(LITERAL_ESCAPES, name)
          ? LITERAL_ESCAPES[name]
          : contextString(context, name);
        if (literal === undefined) return undefined;
        source += escapeRegex(literal);
        index += match[0].length;
        continue;
      }
    }
    source += char === "*" ? ".*" : char === "?" ? "." : escapeRegex(char);
    index++;
  }
  const compiled = new RegExp(`^${source}$`, options.ignoreCase ? "is" : "s");
  if (!variables) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(cacheKey, compiled);
  }
  return compiled;
}

export function matchesPattern(
  pattern: string,
  value: string,
  context: RequestContext,
  options: { ignoreCase: boolean } = { ignoreCase: false },
): boolean {
  if (pattern === "*") return true;
  return compilePattern(pattern, context, options)?.test(value) ?? false;
}

/** Replaces the variables of a condition value; undefined when one is missing from the context. */
export function resolveVariables(text: string, context: RequestContext): string | undefined {
  if (!text.includes("${")) return text;
  let missing = false;
  const resolved = text.replace(/\$\{([^}]*)\}/g, (_whole, name: string) => {
    if (Object.hasOwn(LITERAL_ESCAPES, name)) return LITERAL_ESCAPES[name] as string;
    const value = contextString(context, name);
    if (value === undefined) missing = true;
    return value ?? "";
  });
  return missing ? undefined : resolved;
}
