// Graceful shutdown through the real server: stop() stops listening, lets calls in flight
// finish (up to drainTimeoutMs), refuses what arrives meanwhile, then stops instances.
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import { startTestPlatform, type TestPlatform } from "../src/testing/index.ts";
import { json, REPO, waitFor } from "./helpers.ts";

const RELAY = join(REPO, "test", "fixtures", "relay");

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET over its own connection (node:http, so hop-by-hop headers such as Connection are visible). */
function get(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** A connection with a request whose headers are not finished: open, but not idle. */
async function halfSentRequest(url: string, path: string): Promise<{ finish(): Promise<string> }> {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n`);
  let received = "";
  socket.on("data", (chunk) => {
    received += chunk;
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return {
    async finish() {
      socket.write("\r\n");
      await closed;
      return received;
    },
  };
}

async function busyCalls(nimbus: TestPlatform): Promise<number> {
  const app = await json<{ functions: { instances: { busy: number } }[] }>(nimbus.admin("/apps/relay"));
  return app.functions[0]?.instances.busy ?? 0;
}

describe("graceful shutdown", () => {
  it("finishes a call in flight, refuses new connections and new requests, then stops", async () => {
    const nimbus = await startTestPlatform({ appDir: RELAY });
    let stopping: Promise<void> | undefined;
    try {
      const slow = get(`${nimbus.url}/relay/slow?ms=1500`);
      const lateOnOpenConnection = await halfSentRequest(nimbus.url, "/relay/release");
      const probeOnOpenConnection = await halfSentRequest(nimbus.url, "/readyz");
      await waitFor(async () => (await busyCalls(nimbus)) === 1, "the slow call to be running");

      stopping = nimbus.stop();
      // New connections are refused at once, for function routes and probes alike.
      await assert.rejects(fetch(`${nimbus.url}/relay/release`), { name: "TypeError" });
      await assert.rejects(fetch(`${nimbus.url}/readyz`), { name: "TypeError" });
      // A request that arrives on a connection opened before: 503, and the connection closes.
      const late = await lateOnOpenConnection.finish();
      assert.match(late, /^HTTP\/1\.1 503 /);
      assert.match(late, /\r\nconnection: close\r\n/i);
      assert.match(late, /"code":"PLATFORM_UNAVAILABLE"/);
      const probe = await probeOnOpenConnection.finish();
      assert.match(probe, /^HTTP\/1\.1 503 /);
      assert.match(probe, /"status":"not-ready","reason":"draining"/);

      // The call that was in flight completes, and tells its client not to reuse the connection.
      const answer = await slow;
      assert.equal(answer.status, 200);
      assert.equal(JSON.parse(answer.body).release, "one");
      assert.equal(answer.headers.connection, "close");
      await stopping;
    } finally {
      await (stopping ?? nimbus.stop());
    }
  });

  it("closes calls still running when drainTimeoutMs has passed", async () => {
    const nimbus = await startTestPlatform({ appDir: RELAY, options: { drainTimeoutMs: 200 } });
    let stopping: Promise<void> | undefined;
    try {
      const slow = get(`${nimbus.url}/relay/slow?ms=20000`);
      await waitFor(async () => (await busyCalls(nimbus)) === 1, "the slow call to be running");
      stopping = nimbus.stop();
      await assert.rejects(slow, { code: "ECONNRESET" });
      await stopping;
    } finally {
      await (stopping ?? nimbus.stop());
    }
  });
});
