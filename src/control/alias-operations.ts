// The rules of alias changes, apart from the deployer that applies them: what a valid
// target is, and where a rollback goes.
import { NimbusError } from "../core/errors.ts";
import { ALIAS_NAME, ALIAS_NAME_RULE } from "../core/manifest/qualifier.ts";
import type { AliasRecord, CanaryRoute } from "../store/function-version-ports.ts";

export interface AliasTarget {
  readonly version: number;
  readonly canary?: CanaryRoute | undefined;
}

/** BAD_REQUEST unless the name is an alias name and the weights make sense. */
export function checkAliasTarget(name: string, target: AliasTarget): void {
  if (!ALIAS_NAME.test(name) || name === "$LATEST") {
    throw new NimbusError("BAD_REQUEST", `"${name}" is not an alias name: ${ALIAS_NAME_RULE}`);
  }
  if (!Number.isInteger(target.version) || target.version < 1) {
    throw new NimbusError("BAD_REQUEST", `An alias points at a version number ≥ 1, not ${target.version}`);
  }
  const { canary } = target;
  if (canary === undefined) return;
  if (!Number.isInteger(canary.version) || canary.version < 1 || canary.version === target.version) {
    throw new NimbusError(
      "BAD_REQUEST",
      "The canary is another version of the function than the alias's own",
    );
  }
  if (!(canary.weight > 0 && canary.weight < 1)) {
    throw new NimbusError(
      "BAD_REQUEST",
      `The canary's weight is a share between 0 and 1 (exclusive), not ${canary.weight}`,
    );
  }
}

/** Where `nimbus rollback <fn>` takes an alias: off its canary, else back to its previous version. */
export function aliasRollbackTarget(alias: AliasRecord): AliasTarget {
  if (alias.canary !== undefined) return { version: alias.version };
  if (alias.previousVersion === undefined) {
    throw new NimbusError(
      "BAD_REQUEST",
      `Alias "${alias.name}" of "${alias.functionName}" has always pointed at version ${alias.version}: there is nothing to roll back to`,
    );
  }
  return { version: alias.previousVersion };
}
