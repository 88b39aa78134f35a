// `nimbus tables …` against a real `nimbus up`.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli, type ServerProcess, startServer } from "./cli-helpers.ts";
import { FIXTURES } from "./helpers.ts";

const root = mkdtempSync(join(tmpdir(), "nimbus-tables-cli-"));
const servers: ServerProcess[] = [];
after(async () => {
  for (const server of servers) await server.stop();
  rmSync(root, { recursive: true, force: true });
});

const env = { NIMBUS_ADMIN_KEY: "nk_test_tables_cli_0123456789abcdef", XDG_CONFIG_HOME: root };

describe("nimbus tables", () => {
  it("lists tables, puts, gets, queries and scans from the command line", async () => {
    const server = await startServer(["up", "--port", "0", "--data-dir", join(root, "data")], env);
    servers.push(server);
    const cli = (...args: string[]) => runCli([...args, "--url", server.url], env);
    assert.equal((await cli("deploy", join(FIXTURES, "tables"))).code, 0);

    const listed = await cli("tables", "ls");
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stdout,
      /^notes {2}partition userId \(string\), sort noteId \(string\) {2}indexes=byStatus {2}ttl=expiresAt$/m,
    );
    assert.match(listed.stdout, /^scores {2}partition game \(string\), sort score \(number\)$/m);

    for (const score of [3, 1, 2]) {
      const put = await cli("tables", "put", "scores", JSON.stringify({ game: "go", score }));
      assert.equal(put.code, 0, put.stderr);
    }
    const conditional = await cli(
      "tables",
      "put",
      "scores",
      '{"game":"go","score":1}',
      "--condition",
      "attribute_not_exists(game)",
    );
    assert.notEqual(conditional.code, 0);
    assert.match(conditional.stderr, /TABLE_CONDITION_FAILED|condition/);

    const got = await cli("tables", "get", "scores", '{"game":"go","score":2}');
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout), { game: "go", score: 2 });
    const missing = await cli("tables", "get", "scores", '{"game":"go","score":9}');
    assert.notEqual(missing.code, 0);

    const queried = await cli(
      "tables",
      "query",
      "scores",
      "game = :g AND score >= :s",
      "--values",
      '{":g":"go",":s":2}',
      "--desc",
    );
    assert.equal(queried.code, 0, queried.stderr);
    assert.deepEqual(
      queried.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).score),
      [3, 2],
    );

    const paged = await cli("tables", "scan", "scores", "--limit", "2");
    assert.equal(paged.code, 0, paged.stderr);
    const cursor = /^more: --cursor (\S+)$/m.exec(paged.stdout)?.[1];
    assert.ok(cursor, paged.stdout);
    const rest = await cli("tables", "scan", "scores", "--limit", "2", "--cursor", cursor);
    assert.equal(
      rest.stdout
        .trim()
        .split("\n")
        .filter((line) => line.startsWith("{")).length,
      1,
    );

    const bad = await cli("tables", "put", "scores", "not json");
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /must be a JSON object/);
  });
});
