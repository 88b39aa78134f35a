// AES-256-GCM with a fresh 96-bit IV per value, under a key derived from the master key for
// one purpose (HKDF), so a ciphertext of one kind cannot be opened as another. The additional
// authenticated data names the value's place ("secret:shop/db-password"): a ciphertext copied
// to another row fails to open instead of handing out the wrong secret.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { NimbusError } from "../../core/errors.ts";

const VERSION = "v1";
const IV_BYTES = 12;

export class Envelope {
  readonly #key: Buffer;

  constructor(masterKey: Buffer, purpose: string) {
    this.#key = Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), `nimbus/${purpose}`, 32));
  }

  /** "v1.<iv>.<tag>.<ciphertext>", base64url parts. */
  seal(plaintext: string | Uint8Array, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(aad));
    const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), data]
      .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
      .join(".");
  }

  open(sealed: string, aad: string): Buffer {
    const [version, iv, tag, data] = sealed.split(".");
    try {
      if (version !== VERSION || iv === undefined || tag === undefined || data === undefined) {
        throw new Error("not a sealed value");
      }
      const decipher = createDecipheriv("aes-256-gcm", this.#key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]);
    } catch (error) {
      // Never the value or the key in the message: it reaches logs.
      throw new NimbusError(
        "INTERNAL",
        "A stored secret could not be decrypted (changed on disk, or moved)",
        {
          cause: error,
        },
      );
    }
  }
}
