// The package of a custom-runtime function: its folder as a gzip-compressed ustar archive
// (what `tar -czf` makes, so `tar -tzvf` shows it), holding regular files only, with the
// executable bit kept. Written deterministically (sorted paths, mtime 0, uid/gid 0), so
// packaging an unchanged folder again gives the same bytes, the same content hash, and the
// function keeps its warm instances across deploys.
//
// Reading is strict because the bytes come from a client: no absolute paths, no "..", no
// links or devices, and hard limits on size and file count checked while decompressing.
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { NimbusError } from "../../core/errors.ts";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const BLOCK_BYTES = 512;
const NAME_BYTES = 100;
const PREFIX_BYTES = 155;

/** Lambda's own limits: 50 MB uploaded, 250 MB unpacked. */
export const PACKAGE_LIMITS = Object.freeze({
  compressedBytes: 50 * 1024 * 1024,
  unpackedBytes: 250 * 1024 * 1024,
  files: 10_000,
});

export interface PackageLimits {
  readonly compressedBytes: number;
  readonly unpackedBytes: number;
  readonly files: number;
}

export interface ArchiveEntry {
  /** Relative, "/"-separated, normalised: "bin/handler.py". */
  readonly path: string;
  readonly executable: boolean;
  readonly content: Uint8Array;
}

function invalid(message: string): NimbusError {
  return new NimbusError("FUNCTION_PACKAGE_INVALID", message);
}

/** A path inside the package, or undefined when it would escape it or is empty. */
export function safeRelativePath(raw: string): string | undefined {
  if (raw.startsWith("/") || raw.includes("\\") || raw.includes("\0")) return undefined;
  const parts = raw.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.length === 0 || parts.some((part) => part === "..")) return undefined;
  return parts.join("/");
}

function writeString(header: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, "utf8");
  header.set(bytes.subarray(0, length), offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeString(header, offset, length - 1, value.toString(8).padStart(length - 1, "0"));
}

function splitName(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= NAME_BYTES) return { name: path, prefix: "" };
  // ustar keeps long paths as prefix + "/" + name, cut at a "/".
  for (let cut = path.indexOf("/"); cut !== -1; cut = path.indexOf("/", cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= PREFIX_BYTES && Buffer.byteLength(name) <= NAME_BYTES)
      return { name, prefix };
  }
  throw invalid(`The path "${path}" is too long for the package (at most 255 bytes, 100 per file name)`);
}

function header(entry: ArchiveEntry): Uint8Array {
  const block = new Uint8Array(BLOCK_BYTES);
  const { name, prefix } = splitName(entry.path);
  writeString(block, 0, NAME_BYTES, name);
  writeOctal(block, 100, 8, entry.executable ? 0o755 : 0o644);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, entry.content.byteLength);
  writeOctal(block, 136, 12, 0);
  block.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  block[156] = 0x30; // "0": a regular file
  writeString(block, 257, 6, "ustar");
  writeString(block, 263, 2, "00");
  writeString(block, 345, PREFIX_BYTES, prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

/** The entries as a .tar.gz, in path order. */
export async function packArchive(entries: readonly ArchiveEntry[]): Promise<Uint8Array> {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const chunks: Uint8Array[] = [];
  for (const entry of sorted) {
    chunks.push(header(entry), entry.content);
    const padding = (BLOCK_BYTES - (entry.content.byteLength % BLOCK_BYTES)) % BLOCK_BYTES;
    if (padding > 0) chunks.push(new Uint8Array(padding));
  }
  chunks.push(new Uint8Array(BLOCK_BYTES * 2));
  return new Uint8Array(await gzipAsync(Buffer.concat(chunks), { level: 9 }));
}

function readString(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return Buffer.from(end === -1 ? field : field.subarray(0, end)).toString("utf8");
}

function readOctal(block: Uint8Array, offset: number, length: number): number {
  const text = readString(block, offset, length).trim();
  return text === "" ? 0 : Number.parseInt(text, 8);
}

function checksumMatches(block: Uint8Array): boolean {
  let sum = 0;
  for (let index = 0; index < BLOCK_BYTES; index++) {
    sum += index >= 148 && index < 156 ? 0x20 : (block[index] as number);
  }
  return sum === readOctal(block, 148, 8);
}

/** Reads and checks a package; FUNCTION_PACKAGE_INVALID says what is wrong with it. */
export async function unpackArchive(
  archive: Uint8Array,
  limits: PackageLimits = PACKAGE_LIMITS,
): Promise<ArchiveEntry[]> {
  if (archive.byteLength > limits.compressedBytes) {
    throw invalid(`The package is ${archive.byteLength} bytes; the limit is ${limits.compressedBytes}`);
  }
  let tar: Buffer;
  try {
    // Headers and padding add at most 1 KB per file on top of the contents.
    const maxOutputLength = limits.unpackedBytes + (limits.files + 2) * BLOCK_BYTES * 2;
    tar = await gunzipAsync(archive, { maxOutputLength });
  } catch (error) {
    const tooLarge = (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
    throw invalid(
      tooLarge
        ? `The package unpacks to more than ${limits.unpackedBytes} bytes`
        : "The package is not a gzip-compressed tar archive",
    );
  }
  const entries: ArchiveEntry[] = [];
  const seen = new Set<string>();
  let unpackedBytes = 0;
  for (let offset = 0; offset + BLOCK_BYTES <= tar.byteLength; ) {
    const block = tar.subarray(offset, offset + BLOCK_BYTES);
    if (block.every((byte) => byte === 0)) break; // the end-of-archive blocks
    if (!checksumMatches(block))
      throw invalid("The package's tar archive is corrupt (a bad header checksum)");
    const prefix = readString(block, 345, PREFIX_BYTES);
    const name = readString(block, 0, NAME_BYTES);
    const rawPath = prefix === "" ? name : `${prefix}/${name}`;
    const size = readOctal(block, 124, 12);
    const type = String.fromCharCode(block[156] as number);
    const start = offset + BLOCK_BYTES;
    offset = start + Math.ceil(size / BLOCK_BYTES) * BLOCK_BYTES;
    if (type === "5") continue; // a directory: created as files need it
    if (type !== "0" && type !== "\0") {
      throw invalid(`"${rawPath}" in the package is not a regular file (links and devices are not allowed)`);
    }
    const path = safeRelativePath(rawPath);
    if (path === undefined) throw invalid(`The package holds a path outside its folder: "${rawPath}"`);
    if (seen.has(path)) throw invalid(`The package holds "${path}" twice`);
    if (start + size > tar.byteLength) throw invalid("The package's tar archive is truncated");
    seen.add(path);
    unpackedBytes += size;
    if (entries.length + 1 > limits.files) throw invalid(`The package holds more than ${limits.files} files`);
    if (unpackedBytes > limits.unpackedBytes) {
      throw invalid(`The package unpacks to more than ${limits.unpackedBytes} bytes`);
    }
    const mode = readOctal(block, 100, 8);
    entries.push({ path, executable: (mode & 0o111) !== 0, content: tar.subarray(start, start + size) });
  }
  return entries;
}
