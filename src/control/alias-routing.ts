// Which version serves one call through an alias: its version, or its canary version for
// the canary's share of calls, chosen independently per call (as Lambda's weighted aliases).
import type { AliasRecord } from "../store/function-version-ports.ts";

/** `random` is in [0, 1): Math.random in production, fixed in tests. */
export function pickAliasVersion(alias: AliasRecord, random: number = Math.random()): number {
  const { canary } = alias;
  return canary !== undefined && random < canary.weight ? canary.version : alias.version;
}

/** Every version an alias keeps active: its own, its canary's, and the one before (for rollback). */
export function versionsOfAlias(alias: AliasRecord): number[] {
  const versions = [alias.version];
  if (alias.canary !== undefined) versions.push(alias.canary.version);
  if (alias.previousVersion !== undefined) versions.push(alias.previousVersion);
  return versions;
}
