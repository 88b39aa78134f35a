// Six-digit codes for email verification and password reset. They are stored as HMACs under a
// key derived from the master key: a million codes are easy to try offline against a plain
// hash, not against a keyed one. Online guessing is bounded by the attempts a code allows.
import { createHmac, hkdfSync, randomInt } from "node:crypto";
import type { CodePurpose } from "../../store/identity-ports.ts";

export const CODE_ATTEMPTS = 5;
export const CODE_TTL_MS: Readonly<Record<CodePurpose, number>> = {
  "verify-email": 24 * 60 * 60_000,
  "reset-password": 60 * 60_000,
};

export class OneTimeCodes {
  readonly #key: Buffer;

  constructor(masterKey: Buffer) {
    this.#key = Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), "nimbus/one-time-codes", 32));
  }

  newCode(): string {
    return String(randomInt(0, 1_000_000)).padStart(6, "0");
  }

  hash(app: string, userId: string, purpose: CodePurpose, code: string): string {
    return createHmac("sha256", this.#key)
      .update(`${app}\0${userId}\0${purpose}\0${code.trim()}`)
      .digest("hex");
  }
}
