// Object bytes as files: each write streams to a temp file (never whole in memory), is
// fsynced and renamed to its blob id, and the folder fsynced, before the metadata row that
// names it commits. So an acknowledged put survives kill -9, and a failed or aborted one
// leaves at most a temp file, which the next start removes.
import { createHash, randomUUID } from "node:crypto";
import type { ReadStream } from "node:fs";
import { mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";

export interface WrittenBlob {
  readonly blobId: string;
  readonly sizeBytes: number;
  readonly md5Hex: string;
}

async function syncFolder(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class BlobFiles {
  readonly #root: string;
  readonly #temp: string;

  constructor(root: string) {
    this.#root = root;
    this.#temp = join(root, "tmp");
  }

  /** Creates the folders and removes temp files left by writes a crash interrupted. */
  async start(): Promise<void> {
    await rm(this.#temp, { recursive: true, force: true });
    await mkdir(this.#temp, { recursive: true });
  }

  /**
   * Streams `source` to a new blob. The promise settles only after the bytes and the rename
   * are on disk; on any failure (including the source erroring) no blob exists.
   */
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

  /**
   * Bytes [start, endInclusive] of the blob (all without a range). The file is opened before
   * this resolves, so a replacement that removes the blob afterwards cannot cut the reader off.
   */
  async openForRead(blobId: string, range?: { start: number; endInclusive: number }): Promise<ReadStream> {
    const handle = await open(this.#pathOf(blobId), "r");
    return handle.createReadStream({
      ...(range ? { start: range.start, end: range.endInclusive } : {}),
      autoClose: true,
    });
  }

  async remove(blobId: string): Promise<void> {
    await rm(this.#pathOf(blobId), { force: true });
  }

  /** Blob ids on disk (for the sweep of blobs a crash left without a row). */
  async list(): Promise<string[]> {
    const names = await readdir(this.#root);
    return names.filter((name) => name !== "tmp");
  }

  #pathOf(blobId: string): string {
    return join(this.#root, blobId);
  }
}
