// The floor for bucket throughput: a bare node:http server that stores a PUT body in a file
// (temp file, write, fsync, rename — what a durable put must do at least) and streams it back
// on GET, with nothing else: no auth, no checksum, no metadata.
// Usage: node bench/servers/bare-blob-server.ts <dir>
import { createReadStream } from "node:fs";
import { open, rename } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";

const [dir] = process.argv.slice(2) as [string];
const pathOf = (url: string) => join(dir, encodeURIComponent(url));

const server = createServer((req, res) => {
  const path = pathOf(req.url ?? "/");
  if (req.method === "PUT") {
    void (async () => {
      const temp = `${path}.tmp`;
      const handle = await open(temp, "w");
      for await (const chunk of req) await handle.write(chunk as Buffer);
      await handle.sync();
      await handle.close();
      await rename(temp, path);
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
    return;
  }
  const stream = createReadStream(path);
  stream.once("error", () => {
    res.writeHead(404);
    res.end();
  });
  stream.once("open", () => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    stream.pipe(res);
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address() as { port: number };
  console.log(`ready http://127.0.0.1:${address.port}`);
});
