// esbuild, twice: each function becomes one ESM file with its dependencies inside (so an
// instance imports one file, no node_modules lookup at cold start), and the shim itself is
// bundled once per server start (so stem cells start without TypeScript stripping).
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildFailure, build, type Message, type Metafile, type OutputFile, type Plugin } from "esbuild";
import { NimbusError } from "../core/errors.ts";
import type { HandlerRef } from "../core/manifest/normalize.ts";

export const HANDLER_EXTENSIONS = [".ts", ".mts", ".tsx", ".js", ".mjs", ".cjs", ".jsx"] as const;

// Bundled CommonJS dependencies call require("fs") and the like; ESM has no require.
const REQUIRE_BANNER =
  'import { createRequire as __nimbusCreateRequire } from "node:module";\n' +
  "const require = __nimbusCreateRequire(import.meta.url);";

export interface BundleFunctionOptions {
  readonly appDir: string;
  readonly handler: HandlerRef;
  /** Where to write the bundle; the source map goes beside it as `<outFile>.map`. */
  readonly outFile: string;
}

function resolveHandlerFile(appDir: string, file: string): string {
  const base = resolve(appDir, file);
  const tried = HANDLER_EXTENSIONS.map((extension) => `${base}${extension}`);
  const found = tried.find((candidate) => existsSync(candidate));
  if (found !== undefined) return found;
  const shown = tried.map((candidate) => relative(appDir, candidate));
  throw new NimbusError(
    "HANDLER_NOT_FOUND",
    `No handler file "${file}" in ${appDir}; tried ${shown.join(", ")}`,
    {
      details: { tried },
    },
  );
}

function formatMessages(messages: readonly Message[]): string {
  return messages
    .map(({ location, text }) =>
      location ? `${location.file}:${location.line}:${location.column + 1}: ${text}` : text,
    )
    .join("\n");
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

/**
 * `nimbus/sdk` resolves as usual (an installed `nimbus` package, or the repository itself); when
 * it does not — an app folder with its own package.json for other dependencies, and no `nimbus`
 * installed — it is the platform's own SDK, which always speaks this platform's API.
 */
const platformSdk: Plugin = {
  name: "nimbus-sdk",
  setup(build) {
    build.onResolve({ filter: /^nimbus\/sdk$/ }, async (args) => {
      if (args.pluginData === "nimbus-sdk") return undefined;
      const found = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: "nimbus-sdk",
      });
      if (found.errors.length === 0) return found;
      const here = dirname(fileURLToPath(import.meta.url));
      const candidates = [join(here, "..", "sdk", "index.ts"), join(here, "..", "sdk", "index.js")];
      return { path: candidates.find((candidate) => existsSync(candidate)) ?? (candidates[0] as string) };
    });
  },
};

/** Writes to a temp file then renames: a reader never sees half a bundle. */
async function writeAtomically(path: string, contents: Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(temp, contents);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Writes the map first: once the bundle exists the pair is complete. */
async function writeOutputs(outputFiles: readonly OutputFile[], bundlePath: string): Promise<void> {
  const ordered = [...outputFiles].sort(
    (a, b) => Number(a.path === bundlePath) - Number(b.path === bundlePath),
  );
  for (const output of ordered) await writeAtomically(output.path, output.contents);
}

function checkExport(
  metafile: Metafile,
  appDir: string,
  entry: string,
  handler: HandlerRef,
  warnings: readonly Message[],
): void {
  const output = Object.values(metafile.outputs).find((candidate) => candidate.entryPoint !== undefined);
  const input = Object.entries(metafile.inputs).find(([path]) => resolve(appDir, path) === entry)?.[1];
  if (output === undefined || output.exports.includes(handler.exportName)) return;
  // A CommonJS entry becomes `export default module.exports`: its names are only known at run time.
  if (input?.format === "cjs") return;
  const exported = output.exports.length > 0 ? output.exports.join(", ") : "nothing";
  // esbuild's warnings often say why (e.g. `exports.x = …` in a file that "type": "module" makes ESM).
  const why = warnings.length > 0 ? `\n${formatMessages(warnings)}` : "";
  throw new NimbusError(
    "HANDLER_NOT_FOUND",
    `"${handler.file}" does not export "${handler.exportName}" (it exports: ${exported})${why}`,
    { details: { exportName: handler.exportName, exports: output.exports } },
  );
}

export async function bundleFunction(options: BundleFunctionOptions): Promise<{ bundlePath: string }> {
  const appDir = resolve(options.appDir);
  const entry = resolveHandlerFile(appDir, options.handler.file);
  const bundlePath = resolve(options.outFile);
  let outputFiles: OutputFile[];
  let metafile: Metafile;
  let warnings: Message[];
  try {
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: appDir,
      outfile: bundlePath,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      sourcemap: "linked",
      metafile: true,
      write: false,
      logLevel: "silent",
      banner: { js: REQUIRE_BANNER },
      plugins: [platformSdk],
    });
    outputFiles = result.outputFiles;
    metafile = result.metafile;
    warnings = result.warnings;
  } catch (error) {
    if (!isBuildFailure(error)) throw error;
    throw new NimbusError(
      "BUNDLE_FAILED",
      `Bundling ${relative(appDir, entry)} failed:\n${formatMessages(error.errors)}`,
      {
        details: { errors: error.errors.map((message) => formatMessages([message])) },
      },
    );
  }
  checkExport(metafile, appDir, entry, options.handler, warnings);
  await mkdir(dirname(bundlePath), { recursive: true });
  await writeOutputs(outputFiles, bundlePath);
  return { bundlePath };
}

/** The shim's source: beside this file when running from sources, `.js` once compiled to dist/. */
function shimEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "shim", "main.ts"), join(here, "shim", "main.js")];
  return candidates.find((candidate) => existsSync(candidate)) ?? (candidates[0] as string);
}

/** Bundles the instance shim into one file that `node` starts without any TypeScript work. */
export async function bundleShim(outFile: string): Promise<string> {
  const result = await build({
    entryPoints: [shimEntry()],
    outfile: outFile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    write: false,
    logLevel: "silent",
  });
  await mkdir(dirname(outFile), { recursive: true });
  for (const output of result.outputFiles) await writeAtomically(output.path, output.contents);
  return outFile;
}
