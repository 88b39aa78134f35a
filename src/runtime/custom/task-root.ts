// Where a custom-runtime function's files live on this machine: its package unpacked once
// into `<runtimeDir>/tasks/<sha256 of the package>/` (LAMBDA_TASK_ROOT). Content addressed,
// so every instance and every version with the same package share one folder, and a folder
// that exists is complete: it is unpacked beside and renamed into place.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { NimbusError } from "../../core/errors.ts";
import { BOOTSTRAP } from "./pack-function-folder.ts";
import { type ArchiveEntry, unpackArchive } from "./package-archive.ts";

/** Refuses a package without an executable bootstrap at its root (FUNCTION_PACKAGE_INVALID). */
export function checkBootstrap(entries: readonly ArchiveEntry[], functionName: string): void {
  const bootstrap = entries.find((entry) => entry.path === BOOTSTRAP);
  if (bootstrap === undefined) {
    throw new NimbusError(
      "FUNCTION_PACKAGE_INVALID",
      `The package of "${functionName}" has no "bootstrap" file at its root`,
    );
  }
  if (!bootstrap.executable) {
    throw new NimbusError(
      "FUNCTION_PACKAGE_INVALID",
      `The "bootstrap" of "${functionName}" is not executable; chmod +x it and deploy again`,
    );
  }
}

/** Checks a package as a deploy receives it, before anything is stored. */
export async function validateFunctionPackage(archive: Uint8Array, functionName: string): Promise<void> {
  checkBootstrap(await unpackArchive(archive), functionName);
}

export class TaskRoots {
  readonly #root: string;
  /** Unpacks under way, so concurrent cold starts of one package unpack it once. */
  readonly #pending = new Map<string, Promise<string>>();

  constructor(root: string) {
    this.#root = root;
  }

  /** The folder holding the unpacked package stored at `packagePath`. */
  async folderFor(packagePath: string, functionName: string): Promise<string> {
    const archive = await readFile(packagePath);
    const hash = createHash("sha256").update(archive).digest("hex");
    const folder = join(this.#root, hash.slice(0, 32));
    if (existsSync(folder)) return folder;
    let pending = this.#pending.get(folder);
    if (pending === undefined) {
      pending = this.#unpack(archive, folder, functionName).finally(() => this.#pending.delete(folder));
      this.#pending.set(folder, pending);
    }
    return pending;
  }

  async #unpack(archive: Uint8Array, folder: string, functionName: string): Promise<string> {
    const entries = await unpackArchive(archive);
    checkBootstrap(entries, functionName);
    const temp = `${folder}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      for (const entry of entries) {
        const path = join(temp, entry.path);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, entry.content);
        // Explicitly: the process umask must not take the executable bit away.
        await chmod(path, entry.executable ? 0o755 : 0o644);
      }
      await mkdir(temp, { recursive: true });
      await rename(temp, folder).catch((error: NodeJS.ErrnoException) => {
        // Another start got there first: its folder is complete and identical.
        if (!existsSync(folder)) throw error;
      });
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
    return folder;
  }
}
