// Client side of a custom-runtime deploy: the function's folder (the folder of its handler
// path, as a Lambda .zip's root) becomes one package. It must hold an executable
// `bootstrap`, as Lambda's provided runtimes require. Nimbus's own data directory and the
// git folder are left out; symbolic links are refused rather than followed, so a package
// never carries files from outside its folder by accident.
import { constants } from "node:fs";
import { access, lstat, readdir, readFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { NimbusError } from "../../core/errors.ts";
import type { HandlerRef } from "../../core/manifest/normalize.ts";
import { type ArchiveEntry, PACKAGE_LIMITS, type PackageLimits, packArchive } from "./package-archive.ts";

/** Never packaged: the data directory of `nimbus dev` and version control. */
const SKIPPED = new Set([".nimbus", ".git"]);

export const BOOTSTRAP = "bootstrap";

function invalid(message: string): NimbusError {
  return new NimbusError("FUNCTION_PACKAGE_INVALID", message);
}

/** The folder of a custom runtime's handler path: "bash/function.handler" → <appDir>/bash. */
export function functionFolder(appDir: string, handler: HandlerRef): string {
  const slash = handler.file.lastIndexOf("/");
  return resolve(appDir, slash === -1 ? "." : handler.file.slice(0, slash));
}

async function collect(
  root: string,
  folder: string,
  entries: ArchiveEntry[],
  limits: PackageLimits,
  total: { bytes: number },
): Promise<void> {
  const names = (await readdir(folder)).sort();
  for (const name of names) {
    if (SKIPPED.has(name)) continue;
    const path = join(folder, name);
    const shown = relative(root, path).split(sep).join("/");
    const stats = await lstat(path);
    if (stats.isSymbolicLink()) {
      throw invalid(`"${shown}" is a symbolic link; copy the file into the function's folder instead`);
    }
    if (stats.isDirectory()) {
      await collect(root, path, entries, limits, total);
      continue;
    }
    if (!stats.isFile()) continue; // sockets, fifos: nothing to carry
    total.bytes += stats.size;
    if (entries.length + 1 > limits.files) throw invalid(`The folder holds more than ${limits.files} files`);
    if (total.bytes > limits.unpackedBytes) {
      throw invalid(`The folder holds more than ${limits.unpackedBytes} bytes`);
    }
    entries.push({ path: shown, executable: (stats.mode & 0o111) !== 0, content: await readFile(path) });
  }
}

/** Packages the folder of a custom-runtime function; FUNCTION_PACKAGE_INVALID when it cannot run. */
export async function packFunctionFolder(
  folder: string,
  functionName: string,
  limits: PackageLimits = PACKAGE_LIMITS,
): Promise<Uint8Array> {
  const bootstrap = join(folder, BOOTSTRAP);
  const stats = await lstat(bootstrap).catch(() => undefined);
  if (stats === undefined || !stats.isFile()) {
    throw invalid(
      `Function "${functionName}" has runtime: custom but ${bootstrap} is missing; a custom runtime starts from an executable file named "bootstrap" in the function's folder`,
    );
  }
  const executable = await access(bootstrap, constants.X_OK).then(
    () => true,
    () => false,
  );
  if (!executable) throw invalid(`${bootstrap} is not executable; run: chmod +x ${bootstrap}`);
  const entries: ArchiveEntry[] = [];
  await collect(folder, folder, entries, limits, { bytes: 0 });
  const archive = await packArchive(entries);
  if (archive.byteLength > limits.compressedBytes) {
    throw invalid(
      `The package of "${functionName}" is ${archive.byteLength} bytes compressed; the limit is ${limits.compressedBytes}`,
    );
  }
  return archive;
}
