// S3-shaped bucket events in: each image created under uploads/ gets a copy that fits in
// 256×256 under thumbs/ (same name and format); deleting the upload deletes the thumbnail.
// Anything that is not an image jimp can read (PNG, JPEG, BMP, GIF, TIFF) is skipped.
import { Jimp, JimpMime } from "jimp";
import { buckets } from "nimbus/sdk";

export const THUMBNAIL_SIZE = 256;

interface S3Record {
  eventName: string;
  s3: { bucket: { name: string }; object: { key: string } };
}

const FORMATS: Record<string, (typeof JimpMime)[keyof typeof JimpMime]> = {
  "image/png": JimpMime.png,
  "image/jpeg": JimpMime.jpeg,
  "image/bmp": JimpMime.bmp,
  "image/gif": JimpMime.gif,
  "image/tiff": JimpMime.tiff,
};

/** S3 writes keys in events URL-encoded, with '+' for spaces. */
const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, " "));

async function thumbnail(bucket: string, key: string, target: string): Promise<void> {
  const original = await buckets.get(bucket, key);
  let image: Awaited<ReturnType<typeof Jimp.read>>;
  try {
    image = await Jimp.read(Buffer.from(await original.bytes()));
  } catch {
    console.log(`skipped ${key}: not an image`);
    return;
  }
  const mime = FORMATS[image.mime ?? ""] ?? JimpMime.png;
  image.scaleToFit({ w: THUMBNAIL_SIZE, h: THUMBNAIL_SIZE });
  const bytes = await image.getBuffer(mime);
  await buckets.put(bucket, target, bytes, {
    contentType: mime,
    metadata: { source: key, width: String(image.width), height: String(image.height) },
  });
  console.log(`${key} → ${target} (${image.width}×${image.height})`);
}

export const handler = async (event: { Records: S3Record[] }) => {
  for (const record of event.Records) {
    const bucket = record.s3.bucket.name;
    const key = decodeKey(record.s3.object.key);
    const target = `thumbs/${key.slice("uploads/".length)}`;
    if (record.eventName.startsWith("ObjectRemoved")) await buckets.delete(bucket, target);
    else await thumbnail(bucket, key, target);
  }
};
