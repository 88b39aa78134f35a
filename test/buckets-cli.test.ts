// `nimbus buckets …` against a real `nimbus up`, and the durability promise: an object whose
// put was acknowledged is whole after the server is killed with kill -9 and restarted.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli, type ServerProcess, startServer } from "./cli-helpers.ts";
import { FIXTURES } from "./helpers.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-buckets-durable-"));
const servers: ServerProcess[] = [];
after(async () => {
  for (const server of servers) await server.stop();
  rmSync(root, { recursive: true, force: true });
});

const env = { NIMBUS_ADMIN_KEY: "nk_test_buckets_0123456789abcdef", XDG_CONFIG_HOME: root };
const headers = { authorization: `Bearer ${env.NIMBUS_ADMIN_KEY}` };

async function up(dataDir: string): Promise<ServerProcess> {
  const server = await startServer(["up", "--port", "0", "--data-dir", dataDir], env);
  servers.push(server);
  return server;
}

describe("nimbus buckets", () => {
  it("lists, uploads, downloads, copies, presigns and removes from the command line", async () => {
    const server = await up(join(root, "cli"));
    const cli = (...args: string[]) => runCli([...args, "--url", server.url], env);
    assert.equal((await cli("deploy", join(FIXTURES, "buckets"))).code, 0);
    assert.match((await cli("buckets", "ls")).stdout, /^photos {2}private$/m);

    const local = join(root, "cat.txt");
    writeFileSync(local, "a cat");
    const uploaded = await cli(
      "buckets",
      "cp",
      local,
      "nimbus://photos/pets/cat.txt",
      "--content-type",
      "text/plain",
    );
    assert.equal(uploaded.code, 0, uploaded.stderr);
    assert.match(uploaded.stdout, /Uploaded .* \(5 bytes, ETag "[0-9a-f]{32}"\)/);
    assert.equal(
      (await cli("buckets", "cp", "nimbus://photos/pets/cat.txt", "nimbus://photos/pets/tom.txt")).code,
      0,
    );
    const listed = await cli("buckets", "ls", "photos/pets/");
    assert.match(listed.stdout, /^ +5 {2}\S+ +pets\/cat\.txt$/m);
    assert.match(listed.stdout, /pets\/tom\.txt$/m);
    assert.match((await cli("buckets", "ls", "photos")).stdout, /PRE +pets\/$/m);

    const downloaded = join(root, "down.txt");
    assert.equal((await cli("buckets", "cp", "nimbus://photos/pets/tom.txt", downloaded)).code, 0);
    assert.equal(readFileSync(downloaded, "utf8"), "a cat");

    const presigned = await cli("buckets", "presign", "nimbus://photos/pets/cat.txt", "--expires", "60");
    assert.equal(await (await fetch(presigned.stdout.trim())).text(), "a cat");

    assert.equal((await cli("buckets", "rm", "nimbus://photos/pets/cat.txt")).code, 0);
    const gone = await cli("buckets", "cp", "nimbus://photos/pets/cat.txt", join(root, "gone.txt"));
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /OBJECT_NOT_FOUND/);
    const unknown = await cli("buckets", "cp", local, "nimbus://nope/x");
    assert.match(unknown.stderr, /BUCKET_NOT_FOUND/);
  });

  it("keeps every acknowledged object across a kill -9 of the server", async () => {
    const dataDir = join(root, "data");
    const first = await up(dataDir);
    assert.equal((await runCli(["deploy", join(FIXTURES, "buckets"), "--url", first.url], env)).code, 0);
    const digests = new Map<string, string>();
    for (let index = 0; index < 20; index++) {
      const body = Buffer.alloc(64 * 1024 + index, index);
      const key = `durable/${index}.bin`;
      const response = await fetch(`${first.url}/_nimbus/apps/album/buckets/photos/objects/${key}`, {
        method: "PUT",
        headers,
        body,
      });
      assert.equal(response.status, 200);
      digests.set(key, createHash("sha256").update(body).digest("hex"));
    }
    await first.kill();

    const second = await up(dataDir);
    for (const [key, digest] of digests) {
      const response = await fetch(`${second.url}/_nimbus/apps/album/buckets/photos/objects/${key}`, {
        headers,
      });
      assert.equal(response.status, 200, key);
      const bytes = Buffer.from(await response.arrayBuffer());
      assert.equal(createHash("sha256").update(bytes).digest("hex"), digest, key);
    }
    assert.deepEqual(await readdir(join(dataDir, "blobs", "tmp")), [], "no temp file left");
  });
});
