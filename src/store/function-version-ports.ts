// The persistence port of function versions and aliases (control/function-versions.ts).
// A version is immutable: a function's code and config at one deploy, numbered 1, 2, 3… per
// function. An alias names a version, optionally with a second (canary) version taking a
// share of the calls, and remembers where it pointed before, so a rollback is one step.
import type { FunctionConfig } from "../core/manifest/normalize.ts";

export interface FunctionVersionRecord {
  readonly app: string;
  readonly functionName: string;
  readonly version: number;
  /** Content hash of code + config (control/bundle-store.ts): where the version's code is stored. */
  readonly hash: string;
  readonly config: FunctionConfig;
  readonly createdAt: number;
  /** The app deployment that published it. */
  readonly deploymentVersion: number;
}

export interface PublishedFunction {
  readonly functionName: string;
  readonly version: number;
  readonly hash: string;
  readonly config: FunctionConfig;
}

export interface CanaryRoute {
  readonly version: number;
  /** The share of calls it takes, 0 < weight < 1 (the rest go to the alias's version). */
  readonly weight: number;
}

export interface AliasRecord {
  readonly app: string;
  readonly functionName: string;
  readonly name: string;
  readonly version: number;
  readonly canary: CanaryRoute | undefined;
  /** Where the alias pointed before its version last changed; what a rollback goes back to. */
  readonly previousVersion: number | undefined;
  readonly updatedAt: number;
}

export interface AliasUpdate {
  readonly app: string;
  readonly functionName: string;
  readonly name: string;
  readonly version: number;
  readonly canary: CanaryRoute | undefined;
}

export interface FunctionVersionStore {
  /**
   * Records these versions (published by app deployment `deploymentVersion`). A version that
   * exists already is kept as it is: publishing is idempotent, so a restart can repair a
   * deploy that stopped between its deployment record and its versions.
   */
  publishVersions(
    app: string,
    deploymentVersion: number,
    functions: readonly PublishedFunction[],
  ): Promise<void>;
  /** The newest version of each function of the app. */
  latestVersions(app: string): Promise<FunctionVersionRecord[]>;
  /** Newest first. */
  listVersions(app: string, functionName: string, limit: number): Promise<FunctionVersionRecord[]>;
  getVersion(app: string, functionName: string, version: number): Promise<FunctionVersionRecord | undefined>;
  /**
   * Creates or moves an alias, atomically. When its version changes, previousVersion becomes
   * the version it had; a change of the canary alone keeps previousVersion.
   */
  setAlias(update: AliasUpdate): Promise<AliasRecord>;
  getAlias(app: string, functionName: string, name: string): Promise<AliasRecord | undefined>;
  /** Every alias of the app's functions, by function then name. */
  listAliases(app: string): Promise<AliasRecord[]>;
}
