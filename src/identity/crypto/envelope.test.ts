import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { Envelope } from "./envelope.ts";

describe("envelope encryption", () => {
  const masterKey = randomBytes(32);

  it("opens what it sealed, and never shows the plaintext in the sealed form", () => {
    const envelope = new Envelope(masterKey, "secrets");
    const sealed = envelope.seal("hunter2-value", "secret:shop/db");
    assert.ok(!sealed.includes("hunter2"));
    assert.notEqual(envelope.seal("hunter2-value", "secret:shop/db"), sealed, "a fresh IV every time");
    assert.equal(envelope.open(sealed, "secret:shop/db").toString(), "hunter2-value");
  });

  it("refuses a value moved to another place, changed, or sealed for another purpose or key", () => {
    const envelope = new Envelope(masterKey, "secrets");
    const sealed = envelope.seal("hunter2-value", "secret:shop/db");
    assert.throws(() => envelope.open(sealed, "secret:shop/other"), /could not be decrypted/);
    const [version, iv, tag, data] = sealed.split(".") as [string, string, string, string];
    const flipped = Buffer.from(data, "base64url");
    flipped[0] = (flipped[0] as number) ^ 1;
    assert.throws(() =>
      envelope.open([version, iv, tag, flipped.toString("base64url")].join("."), "secret:shop/db"),
    );
    assert.throws(() => new Envelope(masterKey, "access-keys").open(sealed, "secret:shop/db"));
    assert.throws(() => new Envelope(randomBytes(32), "secrets").open(sealed, "secret:shop/db"));
  });
});
