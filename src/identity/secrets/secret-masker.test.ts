import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SecretMasker } from "./secret-masker.ts";

describe("the secret masker", () => {
  it("masks a function's secrets and tokens, longest first, and only that function's", () => {
    const masker = new SecretMasker();
    masker.register("shop", "api", ["hunter2-pass", "hunter2"]);
    masker.register("shop", "api", ["eyJ.token.sig"], "token");
    assert.equal(
      masker.mask("shop", "api", "pw hunter2-pass and hunter2, token eyJ.token.sig"),
      "pw *** and ***, token ***",
    );
    assert.equal(masker.mask("shop", "worker", "pw hunter2-pass"), "pw hunter2-pass");
    assert.equal(masker.mask("blog", "api", "pw hunter2-pass"), "pw hunter2-pass");
  });

  it("never lets rotated tokens push a secret out, and ignores values too short to mask", () => {
    const masker = new SecretMasker();
    masker.register("shop", "api", ["the-db-password", "abc"]);
    for (let rotation = 0; rotation < 1_000; rotation++)
      masker.register("shop", "api", [`token-${rotation}`], "token");
    assert.equal(masker.mask("shop", "api", "the-db-password abc token-999 token-0"), "*** abc *** token-0");
  });
});
