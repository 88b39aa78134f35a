// examples/thumbnails runs as its README says: an image uploaded under photos/uploads/ gets a
// resized copy under photos/thumbs/ (jimp bundled into the function at deploy), and deleting the
// upload deletes the thumbnail.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Jimp } from "jimp";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { REPO, waitFor } from "./helpers.ts";

describe("examples/thumbnails", () => {
  let nimbus: TestPlatform;
  before(async () => {
    nimbus = await startTestPlatform({ appDir: join(REPO, "examples", "thumbnails") });
  });
  after(() => nimbus?.stop());

  const object = (key: string, init?: RequestInit) =>
    nimbus.admin(
      `/apps/thumbnails/buckets/photos/objects/${key.split("/").map(encodeURIComponent).join("/")}`,
      init,
    );

  async function upload(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    const response = await object(key, {
      method: "PUT",
      headers: { "content-type": contentType },
      body: new Uint8Array(bytes),
    });
    assert.equal(response.status, 200, await response.text());
  }

  async function thumbnailOf(key: string): Promise<Response> {
    return waitFor(
      async () => {
        const response = await object(key);
        if (response.status === 200) return response;
        await response.body?.cancel();
        return undefined;
      },
      `the thumbnail ${key}`,
      60_000,
    );
  }

  it("writes a resized copy of each uploaded image under thumbs/, in its format", async () => {
    const png = await new Jimp({ width: 800, height: 600, color: 0x3366ccff }).getBuffer("image/png");
    const jpeg = await new Jimp({ width: 300, height: 900, color: 0xcc6633ff }).getBuffer("image/jpeg");
    await upload("uploads/cat.png", png, "image/png");
    await upload("uploads/my dog.jpg", jpeg, "image/jpeg");
    await upload("elsewhere/big.png", png, "image/png");

    const catThumb = await thumbnailOf("thumbs/cat.png");
    assert.equal(catThumb.headers.get("content-type"), "image/png");
    const cat = await Jimp.read(Buffer.from(await catThumb.arrayBuffer()));
    assert.deepEqual([cat.width, cat.height], [256, 192], "fits 256×256, proportions kept");
    const dogThumb = await thumbnailOf("thumbs/my dog.jpg");
    assert.equal(dogThumb.headers.get("x-nimbus-meta-source"), "uploads/my dog.jpg");
    const dog = await Jimp.read(Buffer.from(await dogThumb.arrayBuffer()));
    assert.equal(dog.mime, "image/jpeg");
    assert.deepEqual([dog.width, dog.height], [85, 256]);

    const listing = await nimbus.admin("/apps/thumbnails/buckets/photos/objects?prefix=thumbs/");
    const { objects } = (await listing.json()) as { objects: { key: string }[] };
    assert.deepEqual(objects.map((entry) => entry.key).sort(), ["thumbs/cat.png", "thumbs/my dog.jpg"]);

    assert.equal((await object("uploads/cat.png", { method: "DELETE" })).status, 204);
    await waitFor(
      async () => {
        const response = await object("thumbs/cat.png");
        await response.body?.cancel();
        return response.status === 404;
      },
      "the thumbnail deleted with its upload",
      30_000,
    );
  });
});
