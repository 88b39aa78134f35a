// npm run bench:storage (also part of npm run bench): tables and buckets beside the raw
// operations under them, in one run, on the embedded store.
//
//   tables   put and get ops/s through the TableService (expressions, key encoding, the
//            store port's transaction) and through the TableStore port alone, beside the same
//            writes and reads as raw node:sqlite prepared statements (WAL, one transaction per
//            write); plus puts on a table with change-event triggers (the outbox record).
//            Target: overhead ≤ 2×.
//   buckets  put and get MB/s of 1 MB and 64 MB objects through the HTTP API of a real platform,
//            beside raw file write + fsync and read of the same bytes. Target: ≥ 0.7×.
//
// Writes its section of docs/performance.md between <!-- bench:storage:start/end -->.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open, readFile, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseManifest } from "../src/core/manifest/parse.ts";
import type { TableItem } from "../src/core/tables/index.ts";
import { TableService } from "../src/services/tables/index.ts";
import { openSqliteStore } from "../src/store/sqlite/index.ts";
import { ADMIN_KEY } from "./lib/nimbus.ts";
import { killAll, startProcess, stopProcess } from "./lib/processes.ts";
import { machine, machineLoad, ratio, writeSection } from "./lib/report.ts";

const TABLE_OPS = Number(process.env.BENCH_TABLE_OPS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const OBJECT_SIZES_MB = [1, 64] as const;
const OBJECT_REPEATS: Record<number, number> = { 1: 40, 64: 4 };
const scratch = mkdtempSync(join(tmpdir(), "nimbus-bench-storage-"));

interface Rate {
  readonly name: string;
  readonly perSecond: number;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** Runs `operation` `count` times one after another; ops/s. */
async function opsPerSecond(count: number, operation: (index: number) => unknown): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < count; index++) await operation(index);
  return count / ((performance.now() - started) / 1000);
}

/**
 * Each round runs every measurement once, in turn, so a burst of other work on the machine
 * hits all of them alike; the median per measurement over ROUNDS rounds.
 */
async function interleaved(
  measurements: readonly { name: string; run: () => Promise<number> }[],
): Promise<Rate[]> {
  const samples = measurements.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++)
    for (const [index, measurement] of measurements.entries()) samples[index]?.push(await measurement.run());
  return measurements.map((measurement, index) => ({
    name: measurement.name,
    perSecond: median(samples[index] as number[]),
  }));
}

const itemOf = (index: number): TableItem => ({
  userId: `user-${index % 500}`,
  orderId: `order-${index}`,
  total: index * 1.5,
  status: index % 3 === 0 ? "shipped" : "open",
  lines: [
    { sku: "book", quantity: 1 },
    { sku: "pen", quantity: 3 },
  ],
  note: "x".repeat(120),
});

function rawSqlite(dir: string) {
  mkdirSync(dir, { recursive: true });
  const db = new DatabaseSync(join(dir, "raw.db"));
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  db.exec(
    "CREATE TABLE items (pk TEXT NOT NULL, sk TEXT NOT NULL, item TEXT NOT NULL, PRIMARY KEY (pk, sk)) STRICT, WITHOUT ROWID",
  );
  const upsert = db.prepare(
    "INSERT INTO items (pk, sk, item) VALUES (?, ?, ?) ON CONFLICT (pk, sk) DO UPDATE SET item = excluded.item",
  );
  const select = db.prepare("SELECT item FROM items WHERE pk = ? AND sk = ?");
  return {
    put(item: TableItem) {
      // One transaction per write, as every table write is.
      db.exec("BEGIN IMMEDIATE");
      upsert.run(item.userId as string, item.orderId as string, JSON.stringify(item));
      db.exec("COMMIT");
    },
    get(index: number) {
      const row = select.get(`user-${index % 500}`, `order-${index}`) as { item: string } | undefined;
      return row && (JSON.parse(row.item) as TableItem);
    },
    close: () => db.close(),
  };
}

const manifest = parseManifest(
  [
    "app: bench",
    "functions:",
    "  audit:",
    "    handler: src/audit.handler",
    "    events:",
    "      - table: streamed",
    "tables:",
    "  orders:",
    "    partitionKey: userId",
    "    sortKey: orderId",
    "  streamed:",
    "    partitionKey: userId",
    "    sortKey: orderId",
    "",
  ].join("\n"),
);

async function tables(): Promise<Rate[]> {
  const raw = rawSqlite(join(scratch, "raw"));
  const store = openSqliteStore(join(scratch, "store"));
  try {
    const service = new TableService({
      store: store.tables,
      tablesOf: () => manifest.tables,
      recordsChanges: (_app, table) => table === "streamed",
    });
    const key = (index: number) => ({ userId: `user-${index % 500}`, orderId: `order-${index}` });
    const storedKey = (index: number) => ({ partition: `user-${index % 500}`, sort: `order-${index}` });
    const portWrite = (index: number) => ({
      table: "port",
      key: storedKey(index),
      decide: () => ({ item: itemOf(index), sortNumber: null, indexKeys: [], expiresAtSeconds: null }),
    });
    const put = (table: string) => (i: number) =>
      service.write("bench", table, { write: { kind: "put", item: itemOf(i) }, inputs: {} });
    const measure = (name: string, operation: (index: number) => unknown) => ({
      name,
      run: () => opsPerSecond(TABLE_OPS, operation),
    });
    const rates = await interleaved([
      measure("raw node:sqlite put", (i) => raw.put(itemOf(i))),
      measure("TableStore port put", (i) => store.tables.mutate("bench", [portWrite(i)])),
      measure("TableService put", put("orders")),
      measure("TableService put, table with change events", put("streamed")),
      measure("raw node:sqlite get", (i) => raw.get(i)),
      measure("TableStore port get", (i) => store.tables.getItems("bench", "port", [storedKey(i)])),
      measure("TableService get", (i) => service.get("bench", "orders", key(i))),
    ]);
    console.error("bench: tables done");
    return rates;
  } finally {
    raw.close();
    await store.close();
  }
}

async function rawFileWrite(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, "w");
  try {
    await handle.write(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

interface Throughput {
  readonly sizeMb: number;
  readonly rawWrite: number;
  readonly bareHttpPut: number;
  readonly bucketPut: number;
  readonly rawRead: number;
  readonly bareHttpGet: number;
  readonly bucketGet: number;
}

async function putBytes(
  url: string,
  bytes: Uint8Array<ArrayBuffer>,
  headers: Record<string, string>,
): Promise<void> {
  const response = await fetch(url, {
    method: "PUT",
    headers: { ...headers, "content-type": "application/octet-stream" },
    body: bytes,
  });
  if (response.status !== 200)
    throw new Error(`PUT ${url} answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
}

async function getBytes(url: string, headers: Record<string, string>, sizeBytes: number): Promise<void> {
  const response = await fetch(url, { headers });
  const body = await response.arrayBuffer();
  if (response.status !== 200 || body.byteLength !== sizeBytes)
    throw new Error(`GET ${url} answered ${response.status} with ${body.byteLength} bytes`);
}

async function buckets(): Promise<Throughput[]> {
  const appDir = join(scratch, "app");
  mkdirSync(join(appDir, "src"), { recursive: true });
  writeFileSync(join(appDir, "src", "noop.ts"), "export const handler = async () => ({});\n");
  writeFileSync(
    join(appDir, "nimbus.yaml"),
    "app: bench\nfunctions:\n  noop:\n    handler: src/noop.handler\nbuckets:\n  blobs: {}\n",
  );
  const rawDir = join(scratch, "files");
  const bareDir = join(scratch, "bare");
  mkdirSync(rawDir, { recursive: true });
  mkdirSync(bareDir, { recursive: true });
  // Both servers in their own process, as a client would meet them.
  const nimbus = await startProcess(["bench/servers/nimbus-server.ts", appDir, join(scratch, "platform")]);
  const bare = await startProcess(["bench/servers/bare-blob-server.ts", bareDir]);
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  const results: Throughput[] = [];
  try {
    for (const sizeMb of OBJECT_SIZES_MB) {
      const bytes = randomBytes(sizeMb * 1024 * 1024);
      const repeats = OBJECT_REPEATS[sizeMb] as number;
      const file = (i: number) => join(rawDir, `${sizeMb}-${i}`);
      const bucketUrl = (i: number) =>
        `${nimbus.url}/_nimbus/apps/bench/buckets/blobs/objects/${sizeMb}mb/${i}`;
      const bareUrl = (i: number) => `${bare.url}/${sizeMb}mb-${i}`;
      const measure = (name: string, operation: (index: number) => Promise<unknown>) => ({
        name,
        run: async () => (await opsPerSecond(repeats, operation)) * sizeMb,
      });
      // Writes before the reads of the same round, so every read finds its object.
      const rates = await interleaved([
        measure("raw write", (i) => rawFileWrite(file(i), bytes)),
        measure("bare put", (i) => putBytes(bareUrl(i), bytes, {})),
        measure("bucket put", (i) => putBytes(bucketUrl(i), bytes, auth)),
        measure("raw read", (i) => readFile(file(i))),
        measure("bare get", (i) => getBytes(bareUrl(i), {}, bytes.length)),
        measure("bucket get", (i) => getBytes(bucketUrl(i), auth, bytes.length)),
      ]);
      const rate = (name: string) => rates.find((entry) => entry.name === name)?.perSecond ?? 0;
      for (let i = 0; i < repeats; i++) await rm(file(i), { force: true });
      results.push({
        sizeMb,
        rawWrite: rate("raw write"),
        bareHttpPut: rate("bare put"),
        bucketPut: rate("bucket put"),
        rawRead: rate("raw read"),
        bareHttpGet: rate("bare get"),
        bucketGet: rate("bucket get"),
      });
      console.error(`bench: buckets ${sizeMb} MB done`);
    }
  } finally {
    await stopProcess(nimbus);
    await stopProcess(bare);
  }
  return results;
}

const fmt = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

function tableRows(rates: readonly Rate[]): string {
  const rawPut = rates.find((rate) => rate.name === "raw node:sqlite put")?.perSecond ?? 1;
  const rawGet = rates.find((rate) => rate.name === "raw node:sqlite get")?.perSecond ?? 1;
  return rates
    .map((rate) => {
      const baseline = rate.name.endsWith("get") ? rawGet : rawPut;
      const overhead = rate.name.startsWith("raw") ? "1.00× (baseline)" : ratio(baseline, rate.perSecond);
      return `| ${rate.name} | ${fmt(rate.perSecond)} | ${overhead} |`;
    })
    .join("\n");
}

function verdict(met: boolean): string {
  return met ? "met" : "**not met**";
}

async function main(): Promise<void> {
  const load = machineLoad();
  const tableRates = await tables();
  const bucketRates = await buckets();
  const rate = (name: string) => tableRates.find((entry) => entry.name === name)?.perSecond ?? 0;
  const putOverhead = rate("raw node:sqlite put") / rate("TableService put");
  const getOverhead = rate("raw node:sqlite get") / rate("TableService get");
  const bucketRatios = bucketRates.flatMap((row) => [
    row.bucketPut / row.rawWrite,
    row.bucketGet / row.rawRead,
  ]);
  const section = `
## Storage: tables and buckets beside raw SQLite and files (\`npm run bench:storage\`, issue 5)

Run on ${new Date().toISOString().slice(0, 10)}: ${machine()}. Load average when the run began:
${load} (1 minute). Command: \`npm run bench:storage\` (BENCH_TABLE_OPS=${TABLE_OPS}, BENCH_ROUNDS=${ROUNDS}; medians of the rounds).

### Tables: ops/s, one caller, embedded SQLite (WAL)

Items of about 300 bytes of JSON with a partition and a sort key. "raw node:sqlite" is one
prepared INSERT … ON CONFLICT (in its own \`BEGIN IMMEDIATE\` transaction) or SELECT by key, with
JSON.stringify / JSON.parse; the port adds the read-decide-write transaction and index upkeep;
the service adds expression parsing, key encoding and limits. Overhead = raw ops/s ÷ ops/s.

| operation | ops/s | overhead vs raw |
|---|---|---|
${tableRows(tableRates)}

Target overhead ≤ 2×: put ${putOverhead.toFixed(2)}× (${verdict(putOverhead <= 2)}), get ${getOverhead.toFixed(2)}× (${verdict(getOverhead <= 2)}).
A put on a table with change-event triggers also writes its outbox record in the same transaction.

### Buckets: MB/s, one caller, through the HTTP API

Objects of random bytes PUT and GET through \`/_nimbus/apps/<app>/buckets/<b>/objects/<key>\` of
a real platform in its own process, over loopback (streamed to a temp file, fsynced, renamed; metadata committed in
SQLite), beside writing the same bytes to a file with \`write\` + \`fsync\` and reading it back with
\`readFile\` in the benchmark process (page cache warm for both), and beside the floor of any
HTTP store: a bare \`node:http\` server in its own process that streams a PUT body to a temp
file, fsyncs and renames it, and streams it back on GET (\`bench/servers/bare-blob-server.ts\`).

| object | raw write+fsync | bare HTTP put | bucket put | put ÷ raw | raw read | bare HTTP get | bucket get | get ÷ raw |
|---|---|---|---|---|---|---|---|---|
${bucketRates
  .map(
    (row) =>
      `| ${row.sizeMb} MB | ${fmt(row.rawWrite)} | ${fmt(row.bareHttpPut)} | ${fmt(row.bucketPut)} | ${ratio(row.bucketPut, row.rawWrite)} | ${fmt(row.rawRead)} | ${fmt(row.bareHttpGet)} | ${fmt(row.bucketGet)} | ${ratio(row.bucketGet, row.rawRead)} |`,
  )
  .join("\n")}

Target ≥ 0.7× of raw: ${bucketRates
    .map(
      (row) =>
        `${row.sizeMb} MB put ${verdict(row.bucketPut / row.rawWrite >= 0.7)}, get ${verdict(row.bucketGet / row.rawRead >= 0.7)}`,
    )
    .join("; ")} (lowest ratio ${Math.min(...bucketRatios).toFixed(2)}×). Bucket ÷ bare HTTP
server: ${bucketRates
    .map(
      (row) =>
        `${row.sizeMb} MB put ${ratio(row.bucketPut, row.bareHttpPut)}, get ${ratio(row.bucketGet, row.bareHttpGet)}`,
    )
    .join("; ")}.

### Reading

- Tables: a put through the port runs three statements in its transaction (read the current
  item, for conditions and the old image; upsert; rewrite the item's index entries) where the
  raw baseline runs one upsert, plus the promise and the service's parsing and key encoding; a
  get is one indexed read either way. So gets are within the target, and puts
  (${putOverhead.toFixed(2)}× here) ${putOverhead <= 2 ? "too" : "are not: the extra read and index rewrite are the cost of conditions and old images, which the raw upsert does not offer"}.
  On this shared machine (load ${load} on ${cpus().length} cores at the start) the ratios move
  between runs by up to 2×; rerun on a quiet machine before reading much into one value. The
  change-event outbox adds one insert (both images as JSON) to each put of a table with triggers.
- Buckets: most of the gap to raw files is HTTP over loopback, not the bucket code: a bare
  \`node:http\` server that only streams to a file, fsyncs and renames is itself far below raw
  file I/O, and the bucket API reaches ${bucketRates.map((row) => `${ratio(row.bucketPut, row.bareHttpPut)}/${ratio(row.bucketGet, row.bareHttpGet)}`).join(" and ")} of it (put/get, ${bucketRates.map((row) => `${row.sizeMb} MB`).join(" and ")}); the rest
  of the put gap is the MD5 of the body, one awaited write per chunk and the metadata commit.
  The ≥ 0.7× target, measured against raw file I/O in the benchmark process,
  ${bucketRatios.every((value) => value >= 0.7) ? "is met" : "is **not met** by either HTTP server here"}; closing it needs a faster path for large
  bodies (larger chunks, fewer awaits per chunk, MD5 off the hot path), not a different layout.
`;
  console.log(writeSection("storage", section));
}

try {
  await main();
} finally {
  killAll();
  rmSync(scratch, { recursive: true, force: true });
}
