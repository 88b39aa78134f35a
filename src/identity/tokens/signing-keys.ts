// The keys Nimbus signs its JWTs with (function tokens, temporary credentials, user pool
// tokens): ES256 key pairs, the private half encrypted under the master key in the store, the
// public halves published as a JWKS. The newest key signs; a key older than the rotation period
// is replaced on next use (or at once with rotate()); a replaced key keeps verifying (and stays
// in the JWKS) until every token it could have signed has expired, then it is deleted. Several
// nodes share the keys through the store; a token with an unknown `kid` makes a node reload.
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import type { SigningKeyRecord, SigningKeyStore } from "../../store/identity-ports.ts";
import type { Envelope } from "../crypto/envelope.ts";

export const SIGNING_ALGORITHM = "ES256";

type KeyObject = Awaited<ReturnType<typeof importJWK>>;

interface LoadedKey {
  readonly kid: string;
  readonly createdAt: number;
  readonly publicJwk: JWK;
  readonly verifyKey: KeyObject;
  readonly signKey: KeyObject;
}

export interface SigningKeyOptions {
  /** A key signs for this long before a new one replaces it. */
  readonly rotationMs: number;
  /** The longest a token Nimbus signs can live: a replaced key verifies this much longer. */
  readonly maxTokenTtlMs: number;
  readonly now?: () => number;
}

/**
 * Reloads for unknown kids are coalesced and at most this often apart (tokens with forged kids
 * must not hammer the store); a caller waits for the next one rather than being refused.
 */
const RELOAD_INTERVAL_MS = 100;

function aad(kid: string): string {
  return `signing-key:${kid}`;
}

export class SigningKeyRing {
  readonly #store: SigningKeyStore;
  readonly #envelope: Envelope;
  readonly #options: SigningKeyOptions;
  readonly #now: () => number;
  /** Newest first. */
  #keys: LoadedKey[] = [];
  /** Real time (not the injectable clock) of the last reload, to space reloads out. */
  #lastReloadRealMs = 0;
  #pendingReload: Promise<void> | undefined;
  #rotating: Promise<void> | undefined;

  constructor(store: SigningKeyStore, envelope: Envelope, options: SigningKeyOptions) {
    this.#store = store;
    this.#envelope = envelope;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Loads the keys, creating the first one when there is none. */
  async start(): Promise<void> {
    await this.#reload();
    if (this.#keys.length === 0) await this.rotate();
  }

  /** The key new tokens are signed with; rotates first when it is due. */
  async current(): Promise<{ kid: string; key: KeyObject }> {
    const newest = this.#keys[0];
    if (!newest || this.#now() - newest.createdAt >= this.#options.rotationMs) await this.rotate();
    const key = this.#keys[0] as LoadedKey;
    return { kid: key.kid, key: key.signKey };
  }

  /** The public key of `kid`, if it is still valid (reloads once in a while for other nodes' keys). */
  async verificationKey(kid: string | undefined): Promise<KeyObject | undefined> {
    if (kid === undefined) return undefined;
    let key = this.#find(kid);
    if (key === undefined && !this.#keys.some((known) => known.kid === kid)) {
      await this.#reloadSoon();
      key = this.#find(kid);
    }
    return key?.verifyKey;
  }

  /** The JWKS document: every key that may still verify a token. */
  jwks(): { keys: JWK[] } {
    return { keys: this.#keys.map((key) => key.publicJwk) };
  }

  /** Starts signing with a new key now (single flight: concurrent callers share one rotation). */
  rotate(): Promise<void> {
    this.#rotating ??= this.#createKey().finally(() => {
      this.#rotating = undefined;
    });
    return this.#rotating;
  }

  #find(kid: string): LoadedKey | undefined {
    const index = this.#keys.findIndex((key) => key.kid === kid);
    if (index === -1) return undefined;
    // A replaced key verifies until every token it could have signed has expired.
    const successor = this.#keys[index - 1];
    if (successor && this.#now() > successor.createdAt + this.#options.maxTokenTtlMs) return undefined;
    return this.#keys[index];
  }

  async #createKey(): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
    const kid = randomBytes(12).toString("base64url");
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALGORITHM, use: "sig" };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALGORITHM };
    await this.#store.addSigningKey({
      kid,
      algorithm: SIGNING_ALGORITHM,
      publicJwk: JSON.stringify(publicJwk),
      privateJwkCiphertext: this.#envelope.seal(JSON.stringify(privateJwk), aad(kid)),
      createdAt: this.#now(),
    });
    await this.#reload();
  }

  #reloadSoon(): Promise<void> {
    this.#pendingReload ??= (async () => {
      const waitMs = this.#lastReloadRealMs + RELOAD_INTERVAL_MS - Date.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      await this.#reload();
    })().finally(() => {
      this.#pendingReload = undefined;
    });
    return this.#pendingReload;
  }

  async #reload(): Promise<void> {
    this.#lastReloadRealMs = Date.now();
    const records = await this.#store.listSigningKeys();
    const keep: SigningKeyRecord[] = [];
    for (const [index, record] of records.entries()) {
      const successor = records[index - 1];
      if (successor && this.#now() > successor.createdAt + this.#options.maxTokenTtlMs) {
        await this.#store.deleteSigningKey(record.kid);
      } else keep.push(record);
    }
    this.#keys = await Promise.all(keep.map((record) => this.#load(record)));
  }

  async #load(record: SigningKeyRecord): Promise<LoadedKey> {
    const known = this.#keys.find((key) => key.kid === record.kid);
    if (known) return known;
    const publicJwk = JSON.parse(record.publicJwk) as JWK;
    const privateJwk = JSON.parse(
      this.#envelope.open(record.privateJwkCiphertext, aad(record.kid)).toString("utf8"),
    ) as JWK;
    return {
      kid: record.kid,
      createdAt: record.createdAt,
      publicJwk,
      verifyKey: await importJWK(publicJwk, SIGNING_ALGORITHM),
      signKey: await importJWK(privateJwk, SIGNING_ALGORITHM),
    };
  }
}
