// Writing a file so that a reader never sees half of it and a kill -9 after the write
// returned cannot lose it: a temp file beside the target, fsynced, then renamed.
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";

export async function writeFileDurably(path: string, data: Uint8Array): Promise<void> {
  // A random suffix, not the pid: nodes on different machines can share the folder.
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
