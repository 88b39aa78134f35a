import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NimbusError } from "../errors.ts";
import { parseManifest } from "./parse.ts";

const FUNCTIONS =
  "functions:\n  api:\n    handler: src/api.handler\n    events:\n      - http: GET /api/{id}\n      - http:\n          route: 'ANY /files/{path+}'\n      - http: $default\n";

function problemsOf(buckets: string): string[] {
  try {
    parseManifest(`app: shop\n${FUNCTIONS}buckets:\n${buckets}`);
  } catch (error) {
    assert.ok(error instanceof NimbusError);
    assert.equal(error.code, "NIMBUS_MANIFEST_INVALID");
    return (error.details as { problems: { path: string; message: string }[] }).problems.map(
      (problem) => `${problem.path}: ${problem.message}`,
    );
  }
  return [];
}

const site = (website: string, bucket = "www") => `  ${bucket}:\n    website: ${website}\n`;

describe("manifest: bucket websites", () => {
  it("normalizes a website with its default index document", () => {
    const config = parseManifest(`app: shop\n${FUNCTIONS}buckets:\n${site("{ route: /site }")}`);
    assert.deepEqual(config.buckets?.www?.website, {
      route: "/site",
      indexDocument: "index.html",
      errorDocument: undefined,
    });
    const full = parseManifest(
      `app: shop\n${FUNCTIONS}buckets:\n${site("{ route: /site, index: home.htm, error: errors/404.html }")}`,
    );
    assert.deepEqual(full.buckets?.www?.website, {
      route: "/site",
      indexDocument: "home.htm",
      errorDocument: "errors/404.html",
    });
    assert.equal(
      parseManifest(`app: shop\n${FUNCTIONS}buckets:\n  www: {}\n`).buckets?.www?.website,
      undefined,
    );
  });

  it("refuses routes that are not plain paths", () => {
    for (const route of ["site", "/site/", "'/{page}'", "/a//b", "/a/../b", "/a%20b", "''"]) {
      const problems = problemsOf(site(`{ route: ${route} }`));
      assert.equal(problems.length, 1, `${route}: ${problems.join("; ")}`);
      assert.match(problems[0] as string, /^buckets\.www\.website\.route/, route);
    }
  });

  it("refuses routes of the platform and unknown or bad fields", () => {
    assert.match(problemsOf(site("{ route: /_nimbus/site }")).join(), /must not be under \/_nimbus/);
    assert.match(problemsOf(site("{ route: /_nimbus }")).join(), /must not be under \/_nimbus/);
    assert.match(problemsOf(site("{ route: /healthz }")).join(), /health endpoints/);
    assert.match(problemsOf(site("{ route: /s, index: a/index.html }")).join(), /without "\/"/);
    assert.match(problemsOf(site("{ route: /s, error: ../404.html }")).join(), /"\.\." path segments/);
    assert.match(problemsOf(site("{ route: /s, errorDocument: 404.html }")).join(), /errorDocument/);
  });

  it("refuses a route that would hide a function route or another website", () => {
    assert.match(
      problemsOf(site("{ route: /api/v1 }")).join(),
      /route \/api\/v1 would hide the HTTP route "GET \/api\/\{id\}" of function "api"/,
    );
    assert.match(problemsOf(site("{ route: /files/public }")).join(), /ANY \/files\/\{path\+\}/);
    assert.match(problemsOf(site("{ route: / }")).join(), /would hide the HTTP route/);
    assert.deepEqual(
      problemsOf(site("{ route: /api/v1/x }")),
      [],
      "under a one-segment parameter: no route matches",
    );
    assert.match(
      problemsOf(site("{ route: /site }") + site("{ route: /site/old }", "old")).join(),
      /overlaps the website of bucket "www"/,
    );
    assert.deepEqual(problemsOf(site("{ route: /site }") + site("{ route: /site2 }", "two")), []);
  });
});
