// For tests only: the smallest S3-compatible server the bundle and blob stores need (path-style
// PUT, GET with a single byte range, HEAD and DELETE of objects, NoSuchKey errors). It does not
// check signatures, list, or do multipart uploads; the SDK's requests are real, the server's
// answers are S3's shape.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface TinyS3 {
  readonly url: string;
  /** The keys stored in a bucket. */
  keys(bucket: string): string[];
  close(): Promise<void>;
}

const NO_SUCH_KEY =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>';

export async function startTinyS3(): Promise<TinyS3> {
  const objects = new Map<string, Buffer>();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://s3").pathname);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const object = objects.get(path);
      if (req.method === "PUT") {
        objects.set(path, Buffer.concat(chunks));
        res.writeHead(200, { etag: '"etag"' }).end();
      } else if (req.method === "DELETE") {
        objects.delete(path);
        res.writeHead(204).end();
      } else if ((req.method === "GET" || req.method === "HEAD") && object) {
        const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
        const body = range ? object.subarray(Number(range[1]), Number(range[2]) + 1) : object;
        res.writeHead(range ? 206 : 200, { "content-length": body.length, etag: '"etag"' });
        res.end(req.method === "GET" ? body : undefined);
      } else if (req.method === "GET" || req.method === "HEAD") {
        res.writeHead(404, { "content-type": "application/xml" });
        res.end(req.method === "GET" ? NO_SUCH_KEY : undefined);
      } else {
        res.writeHead(405).end();
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    keys: (bucket) =>
      [...objects.keys()]
        .filter((key) => key.startsWith(`/${bucket}/`))
        .map((key) => key.slice(bucket.length + 2)),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
