// Writing a file so that a reader never sees half of it and a kill -9 after the write
// returned cannot lose it: a temp file beside the target, fsynced, renamed, and the folder
// fsynced so the rename itself is on disk.
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

/** Makes the entries of a folder (a rename into it, a new file) durable. */
export async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeFileDurably(path: string, data: Uint8Array | string): Promise<void> {
  // A random suffix, not the pid: nodes on different machines can share the folder.
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const handle = await open(temp, "wx");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    await syncFolder(dirname(path));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
