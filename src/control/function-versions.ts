// Which version each function of a release is. A function whose code and config (its content
// hash) are those of its newest version keeps that version; any other gets the next number.
// As Lambda's PublishVersion, a version is only made when something changed since the last
// one. Planned before the code is loaded, recorded after the deployment is: a deploy whose
// code fails to load leaves no version behind.
import type { AppConfig } from "../core/manifest/normalize.ts";
import type { FunctionVersionStore, PublishedFunction } from "../store/function-version-ports.ts";

export async function planVersions(
  versions: FunctionVersionStore,
  app: string,
  config: AppConfig,
  hashes: Readonly<Record<string, string>>,
): Promise<Map<string, PublishedFunction>> {
  const latest = new Map((await versions.latestVersions(app)).map((record) => [record.functionName, record]));
  const planned = new Map<string, PublishedFunction>();
  for (const fn of Object.values(config.functions)) {
    const hash = hashes[fn.name] as string;
    const newest = latest.get(fn.name);
    const version = newest === undefined ? 1 : newest.hash === hash ? newest.version : newest.version + 1;
    planned.set(fn.name, { functionName: fn.name, version, hash, config: fn });
  }
  return planned;
}
