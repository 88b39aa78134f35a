// Client side of a deploy: read the manifest, bundle every function with esbuild (or, for a
// custom runtime, package its folder as a .tar.gz), and carry the bundles to the server. Source maps are made to name the original files by
// absolute path, so stacks point at the user's TypeScript wherever the bundle is stored.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { bundleFunction, functionFolder, packFunctionFolder } from "../runtime/index.ts";
import type { AppPackage, FunctionBundle } from "./app-package.ts";
import { readManifest } from "./manifest-file.ts";

function absoluteSources(mapText: string, mapDir: string): string {
  const map = JSON.parse(mapText) as { sources: string[]; sourceRoot?: string };
  map.sources = map.sources.map(
    (source) => pathToFileURL(resolve(mapDir, map.sourceRoot ?? "", source)).href,
  );
  delete map.sourceRoot;
  return JSON.stringify(map);
}

export async function packageApp(appDir: string): Promise<AppPackage> {
  const manifest = readManifest(appDir);
  const outDir = await mkdtemp(join(tmpdir(), "nimbus-bundle-"));
  try {
    const entries = await Promise.all(
      Object.values(manifest.config.functions).map(async (fn): Promise<[string, FunctionBundle]> => {
        if (fn.runtime === "custom") {
          // Any language: the function's folder travels as it is, with its bootstrap.
          const code = await packFunctionFolder(functionFolder(manifest.appDir, fn.handler), fn.name);
          return [fn.name, { code, sourceMap: undefined }];
        }
        const outFile = join(outDir, `${fn.name}.mjs`);
        const { bundlePath } = await bundleFunction({
          appDir: manifest.appDir,
          handler: fn.handler,
          outFile,
        });
        const code = await readFile(bundlePath);
        const mapText = await readFile(`${bundlePath}.map`, "utf8").catch(() => undefined);
        const sourceMap = mapText ? Buffer.from(absoluteSources(mapText, dirname(bundlePath))) : undefined;
        return [fn.name, { code, sourceMap }];
      }),
    );
    return {
      manifestText: manifest.text,
      manifestFile: manifest.path.slice(manifest.appDir.length + 1),
      bundles: Object.fromEntries(entries),
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
