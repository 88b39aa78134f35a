import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CorsConfig } from "../core/manifest/normalize.ts";
import { compileCorsPolicy, corsPolicyFor } from "./cors.ts";

const BASE: CorsConfig = {
  allowOrigins: ["*"],
  allowMethods: ["GET"],
  allowHeaders: [],
  exposeHeaders: [],
  allowCredentials: false,
  maxAgeSeconds: undefined,
};

describe("CORS policy", () => {
  it("answers * for any origin without credentials, and echoes the origin with them", () => {
    assert.equal(compileCorsPolicy(BASE).allowOrigin("https://a.test"), "*");
    assert.equal(
      compileCorsPolicy({ ...BASE, allowCredentials: true }).allowOrigin("https://a.test"),
      "https://a.test",
    );
  });

  it("matches exact origins case-insensitively and wildcard subdomains only as subdomains", () => {
    const policy = compileCorsPolicy({
      ...BASE,
      allowOrigins: ["https://App.test", "https://*.example.com"],
    });
    assert.equal(policy.allowOrigin("https://app.test"), "https://app.test");
    assert.equal(policy.allowOrigin("https://x.y.example.com"), "https://x.y.example.com");
    assert.equal(policy.allowOrigin("https://example.com"), undefined);
    assert.equal(policy.allowOrigin("https://evilexample.com"), undefined);
    assert.equal(policy.allowOrigin("http://x.example.com"), undefined);
  });

  it("prepares the header lists once and caches the policy per config", () => {
    const config = { ...BASE, allowHeaders: ["x-a"], exposeHeaders: ["x-b"], maxAgeSeconds: 5 };
    const policy = corsPolicyFor(config);
    assert.equal(policy, corsPolicyFor(config));
    assert.deepEqual(policy?.preflightHeaders, [
      "access-control-allow-methods",
      "GET",
      "access-control-allow-headers",
      "x-a",
      "access-control-max-age",
      "5",
    ]);
    assert.deepEqual(policy?.responseHeaders, ["access-control-expose-headers", "x-b"]);
    assert.equal(corsPolicyFor(undefined), undefined);
  });
});
