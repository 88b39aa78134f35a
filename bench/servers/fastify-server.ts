// Fastify, the other limit beside bare node:http: the same hello world and second workload.
// Usage: node bench/servers/fastify-server.ts
import Fastify from "fastify";
import { priceOrder } from "../peers/functions/work.js";

const app = Fastify({ logger: false });
// Hand the body over as text, so the handler parses it itself like every other system does.
app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) =>
  done(null, body),
);
app.get("/hello", async (_request, reply) => reply.type("text/plain").send("Hello, world!"));
app.post("/work", async (request, reply) =>
  reply.type("application/json").send(priceOrder(request.body as string)),
);
const url = await app.listen({ port: 0, host: "127.0.0.1" });
console.log(`ready ${url}`);
process.on("SIGTERM", () => {
  void app.close().then(() => process.exit(0));
});
