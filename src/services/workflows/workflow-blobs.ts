// Large workflow payloads (start inputs, step and child results, event payloads, custom status,
// continueAsNew inputs): JSON text over MAX_INLINE_WORKFLOW_BYTES is written to the blob store
// and the store keeps a small reference in its place, so journals stay small rows. Replays get
// the values back inline: the function never sees a reference.
import type { BlobStore } from "../../store/blob-ports.ts";

/** JSON text larger than this is kept as a blob behind a reference. */
export const MAX_INLINE_WORKFLOW_BYTES = 256 * 1024;
const REFERENCE_PREFIX = '{"$nimbusBlob":';

interface BlobReference {
  readonly $nimbusBlob: string;
  readonly bytes: number;
}

export class WorkflowBlobs {
  readonly #blobs: Pick<BlobStore, "write" | "openForRead">;
  readonly #inlineBytes: number;

  constructor(blobs: Pick<BlobStore, "write" | "openForRead">, inlineBytes = MAX_INLINE_WORKFLOW_BYTES) {
    this.#blobs = blobs;
    this.#inlineBytes = inlineBytes;
  }

  /** `json` as it is, or a reference to a new blob holding it when it is too large. */
  async store(json: string): Promise<string>;
  async store(json: string | undefined): Promise<string | undefined>;
  async store(json: string | undefined): Promise<string | undefined> {
    if (json === undefined) return undefined;
    const bytes = Buffer.from(json);
    if (bytes.byteLength <= this.#inlineBytes) return json;
    const written = await this.#blobs.write(
      (async function* () {
        yield bytes;
      })(),
    );
    const reference: BlobReference = { $nimbusBlob: written.blobId, bytes: bytes.byteLength };
    return JSON.stringify(reference);
  }

  /** The JSON text a reference stands for (anything else as it is). */
  async load(text: string): Promise<string>;
  async load(text: string | undefined): Promise<string | undefined>;
  async load(text: string | undefined): Promise<string | undefined> {
    if (text === undefined || !text.startsWith(REFERENCE_PREFIX)) return text;
    const reference = JSON.parse(text) as BlobReference;
    const chunks: Buffer[] = [];
    for await (const chunk of await this.#blobs.openForRead(reference.$nimbusBlob)) {
      chunks.push(Buffer.from(chunk as Uint8Array));
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  /** Whether the text is a reference (the API shows it as { blob, bytes }). */
  static isReference(text: string | undefined): boolean {
    return text?.startsWith(REFERENCE_PREFIX) === true;
  }
}
