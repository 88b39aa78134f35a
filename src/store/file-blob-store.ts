// Object bytes as files in a directory: `<dataDir>/blobs` on one machine, or a shared volume
// (NFS, EFS, a Kubernetes ReadWriteMany volume) that every node of a cluster mounts. Each write
// streams to a temp file (never whole in memory), is fsynced and renamed to its blob id, and
// the folder fsynced, before the metadata row that names it commits. So an acknowledged put
// survives kill -9, and a failed or aborted one leaves at most a temp file, which a later
// start removes.
import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { BlobRange, BlobStore, WrittenBlob } from "./blob-ports.ts";
import { syncFolder } from "./durable-file.ts";

export interface FileBlobStoreOptions {
  readonly root: string;
  /**
   * Temp files at least this old are removed at start (default 0: all of them). On a shared
   * volume other nodes may be writing theirs, so only files older than any upload are removed.
   */
  readonly staleTempAfterMs?: number;
}

export class FileBlobStore implements BlobStore {
  readonly #root: string;
  readonly #temp: string;
  readonly #staleTempAfterMs: number;
  readonly description: string;

  constructor(options: FileBlobStoreOptions) {
    this.#root = options.root;
    this.#temp = join(options.root, "tmp");
    this.#staleTempAfterMs = options.staleTempAfterMs ?? 0;
    this.description = `the blob directory ${options.root}`;
  }

  async start(): Promise<void> {
    await mkdir(this.#temp, { recursive: true });
    const cutoff = Date.now() - this.#staleTempAfterMs;
    for (const name of await readdir(this.#temp)) {
      const path = join(this.#temp, name);
      if (this.#staleTempAfterMs > 0) {
        const modifiedMs = (await stat(path).catch(() => undefined))?.mtimeMs;
        if (modifiedMs === undefined || modifiedMs >= cutoff) continue;
      }
      await rm(path, { force: true });
    }
  }

  async write(source: AsyncIterable<Uint8Array>): Promise<WrittenBlob> {
    const blobId = randomUUID();
    const temp = join(this.#temp, blobId);
    const md5 = createHash("md5");
    let sizeBytes = 0;
    try {
      const handle = await open(temp, "wx");
      try {
        for await (const chunk of source) {
          md5.update(chunk);
          sizeBytes += chunk.byteLength;
          // Awaiting each write is the backpressure: the source is not read faster than the disk.
          await handle.write(chunk);
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.#pathOf(blobId));
      await syncFolder(this.#root);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return { blobId, sizeBytes, md5Hex: md5.digest("hex") };
  }

  async openForRead(blobId: string, range?: BlobRange): Promise<Readable> {
    // The file is opened before this resolves: a replacement that removes it cannot cut us off.
    const handle = await open(this.#pathOf(blobId), "r");
    return handle.createReadStream({
      ...(range ? { start: range.start, end: range.endInclusive } : {}),
      autoClose: true,
    });
  }

  async remove(blobId: string): Promise<void> {
    await rm(this.#pathOf(blobId), { force: true });
  }

  #pathOf(blobId: string): string {
    return join(this.#root, blobId);
  }
}
