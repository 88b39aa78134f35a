import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { type ArchiveEntry, packArchive, safeRelativePath, unpackArchive } from "./package-archive.ts";

const file = (path: string, text: string, executable = false): ArchiveEntry => ({
  path,
  executable,
  content: Buffer.from(text),
});

/** Rewrites the first header of a package (name, type) with a valid checksum, as an attacker could. */
function tamper(archive: Uint8Array, change: (header: Buffer) => void): Uint8Array {
  const tar = Buffer.from(gunzipSync(archive));
  const header = tar.subarray(0, 512);
  change(header);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return gzipSync(tar);
}

describe("custom runtime packages (.tar.gz)", () => {
  it("round-trips files, nested paths, binary content and the executable bit", async () => {
    const binary = Buffer.from([0, 1, 2, 255, 254]);
    const longPath = `${"deep/".repeat(30)}file.txt`;
    const entries = [
      file("bootstrap", "#!/bin/sh\n", true),
      file("lib/util.sh", "echo util\n"),
      { path: "data.bin", executable: false, content: binary },
      file(longPath, "far down"),
    ];
    const unpacked = await unpackArchive(await packArchive(entries));
    const byPath = new Map(unpacked.map((entry) => [entry.path, entry]));
    assert.equal(byPath.size, 4);
    assert.equal(byPath.get("bootstrap")?.executable, true);
    assert.equal(byPath.get("lib/util.sh")?.executable, false);
    assert.deepEqual(Buffer.from(byPath.get("data.bin")?.content ?? []), binary);
    assert.equal(Buffer.from(byPath.get(longPath)?.content ?? []).toString(), "far down");
  });

  it("is deterministic, so an unchanged folder keeps its content hash", async () => {
    const entries = [file("b", "2"), file("a", "1", true)];
    assert.deepEqual(await packArchive(entries), await packArchive([...entries].reverse()));
  });

  it("is a real tar.gz that the system tar reads, modes included", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "nimbus-tar-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const archivePath = join(dir, "package.tar.gz");
    writeFileSync(
      archivePath,
      await packArchive([file("bootstrap", "#!/bin/sh\n", true), file("x/y.txt", "y")]),
    );
    execFileSync("tar", ["-xzf", archivePath, "-C", dir]);
    assert.equal(statSync(join(dir, "bootstrap")).mode & 0o777, 0o755);
    assert.equal(statSync(join(dir, "x", "y.txt")).mode & 0o111, 0);
  });

  it("refuses paths that leave the package, links, corrupt or oversized archives", async () => {
    const valid = await packArchive([file("bootstrap", "#!/bin/sh\n", true)]);
    const refused = async (
      archive: Uint8Array,
      pattern: RegExp,
      limits?: Parameters<typeof unpackArchive>[1],
    ) => {
      await assert.rejects(unpackArchive(archive, limits), (error: Error & { code?: string }) => {
        assert.equal(error.code, "FUNCTION_PACKAGE_INVALID");
        assert.match(error.message, pattern);
        return true;
      });
    };
    const named = (name: string) =>
      tamper(valid, (header) => header.write(name.padEnd(100, "\0"), 0, "latin1"));
    await refused(named("../escape"), /outside its folder/);
    await refused(named("/etc/passwd"), /outside its folder/);
    await refused(
      tamper(valid, (header) => header.write("2", 156, "latin1")),
      /not a regular file/,
    );
    const corrupt = Buffer.from(gunzipSync(valid));
    corrupt[0] = 0x41;
    await refused(gzipSync(corrupt), /bad header checksum/);
    await refused(Buffer.from("not gzip"), /not a gzip-compressed tar archive/);
    const limits = { compressedBytes: 1024 * 1024, unpackedBytes: 100, files: 2 };
    await refused(await packArchive([file("a", "x".repeat(200))]), /unpacks to more than 100 bytes/, limits);
    await refused(
      await packArchive([file("a", "1"), file("b", "2"), file("c", "3")]),
      /more than 2 files/,
      limits,
    );
    await refused(valid, /the limit is 10/, { ...limits, compressedBytes: 10 });
  });

  it("knows a safe relative path", () => {
    assert.equal(safeRelativePath("./a//b/"), "a/b");
    assert.equal(safeRelativePath("a/../../b"), undefined);
    assert.equal(safeRelativePath(""), undefined);
    assert.equal(safeRelativePath("a\\b"), undefined);
  });
});
