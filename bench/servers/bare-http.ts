// The baseline: a bare node:http hello world, the most a Node server can do here; POST /work
// is the peers benchmark's second workload (bench/peers/functions/work.js).
import { createServer } from "node:http";
import { priceOrder } from "../peers/functions/work.js";

const server = createServer((req, res) => {
  if (req.method === "POST" && req.url === "/work") {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(priceOrder(Buffer.concat(chunks).toString()));
    });
    return;
  }
  res.writeHead(200, { "content-type": "text/plain" });
  res.end("Hello, world!");
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address() as { port: number };
  console.log(`ready http://127.0.0.1:${address.port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
