import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { NimbusError } from "../errors.ts";
import { manifestJsonSchemaText } from "./json-schema.ts";
import { type ManifestProblem, parseManifest } from "./parse.ts";

function problemsOf(text: string): ManifestProblem[] {
  try {
    parseManifest(text, "nimbus.yaml");
  } catch (error) {
    assert.ok(error instanceof NimbusError);
    assert.equal(error.code, "NIMBUS_MANIFEST_INVALID");
    return (error.details as { problems: ManifestProblem[] }).problems;
  }
  assert.fail("the manifest was accepted");
}

describe("nimbus.yaml", () => {
  it("applies Lambda-like defaults and parses handlers, durations and routes", () => {
    const config = parseManifest(
      [
        "app: shop",
        "functions:",
        "  api:",
        "    handler: src/api.handler",
        "    timeout: 30s",
        "    keepWarm: 2m",
        "    concurrency: { max: 3 }",
        "    events:",
        "      - http: get /users/{id}",
        "      - http:",
        "          route: ANY /files/{path+}",
        "      - http: $default",
      ].join("\n"),
    );
    const api = config.functions.api;
    assert.ok(api);
    assert.deepEqual(api.handler, { file: "src/api", exportName: "handler" });
    assert.equal(api.timeoutMs, 30_000);
    assert.equal(api.keepWarmMs, 120_000);
    assert.equal(api.memoryMb, 128);
    assert.deepEqual(api.concurrency, { min: 0, max: 3, perInstance: 1, queue: 100 });
    assert.deepEqual(
      api.routes.map((route) => route.routeKey),
      ["GET /users/{id}", "ANY /files/{path+}", "$default"],
    );
    assert.ok(Object.isFrozen(api.routes), "config is frozen");
  });

  it("lists every problem with its file, line, path and what was expected", () => {
    const problems = problemsOf(
      [
        "app: shop",
        "functions:",
        "  api:",
        "    handler: src/api",
        "    timeout: 30 seconds",
        "    memory: 64",
        "    events:",
        "      - http: FETCH /x",
        "      - http: GET /a/{rest+}/b",
      ].join("\n"),
    );
    assert.deepEqual(
      problems.map((p) => [p.line, p.path]),
      [
        [4, "functions.api.handler"],
        [5, "functions.api.timeout"],
        [6, "functions.api.memory"],
        [8, "functions.api.events.0.http"],
        [9, "functions.api.events.1.http"],
      ],
    );
    assert.match(problems[0]?.message ?? "", /path\/to\/file\.exportName/);
    assert.match(problems[1]?.message ?? "", /duration/);
    assert.match(problems[3]?.message ?? "", /unknown method "FETCH"/);
    assert.match(problems[4]?.message ?? "", /greedy parameter \{rest\+\} must be the last segment/);
    assert.ok(problems.every((p) => p.file === "nimbus.yaml"));
  });

  it("suggests the key that was probably meant", () => {
    const problems = problemsOf(
      "app: shop\nfunctions:\n  api:\n    handler: a.b\n    timout: 3s\n    envs: {}\n",
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.line]),
      [
        ["functions.api.timout", 5],
        ["functions.api.envs", 6],
      ],
    );
    assert.match(problems[0]?.message ?? "", /did you mean "timeout"\?/);
    assert.match(problems[1]?.message ?? "", /did you mean "env"\?/);
  });

  it("refuses YAML syntax errors and missing required keys", () => {
    assert.match(problemsOf("app: [")[0]?.message ?? "", /YAML syntax/);
    assert.deepEqual(
      problemsOf("functions: {}\n").map((p) => p.path),
      ["app"],
    );
  });

  it("has its JSON Schema committed and up to date (npm run schema)", () => {
    const committed = readFileSync(new URL("../../../schema/nimbus.schema.json", import.meta.url), "utf8");
    assert.equal(committed, manifestJsonSchemaText());
  });
});
