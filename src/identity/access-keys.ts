// Nimbus access keys: an id ("NAK…", public) and a secret, bound to one policy; created,
// listed and revoked through the admin API. The secret is kept encrypted, not hashed, because
// request signing (SigV4, for the S3-compatible endpoint) needs it in clear on the server, as
// AWS keeps secret access keys. Until signing lands, a key authenticates as
// `Authorization: Bearer <id>:<secret>`.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { NimbusError } from "../core/errors.ts";
import {
  absolutePolicySchema,
  normalizePolicyDocument,
  type Policy,
  type PolicyStatement,
} from "../core/policy/index.ts";
import type { AccessKeyRecord, AccessKeyStore } from "../store/identity-ports.ts";
import type { Envelope } from "./crypto/envelope.ts";
import { parseBody } from "./http/parse-body.ts";
import type { AccessKeyPrincipal } from "./principal.ts";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const ACCESS_KEY_ID = /^NAK[A-Z2-7]{17}$/;

function newAccessKeyId(): string {
  return `NAK${[...randomBytes(17)].map((byte) => BASE32[byte % 32]).join("")}`;
}

/** What resolveAccessKey gives a request-signing verifier. */
export interface ResolvedAccessKey {
  readonly accessKeyId: string;
  readonly name: string;
  readonly secretAccessKey: string;
  readonly policy: Policy;
  readonly active: boolean;
}

/** What listings show: never the secret. */
export interface AccessKeySummary {
  readonly accessKeyId: string;
  readonly name: string;
  readonly createdAt: number;
  readonly revokedAt: number | undefined;
  readonly statements: readonly PolicyStatement[];
}

function aad(id: string): string {
  return `accesskey:${id}`;
}

function policyOf(record: AccessKeyRecord): Policy {
  return { name: `accesskey/${record.id}`, statements: JSON.parse(record.policy) as PolicyStatement[] };
}

function summary(record: AccessKeyRecord): AccessKeySummary {
  return {
    accessKeyId: record.id,
    name: record.name,
    createdAt: record.createdAt,
    revokedAt: record.revokedAt,
    statements: policyOf(record).statements,
  };
}

export class AccessKeys {
  readonly #store: AccessKeyStore;
  readonly #envelope: Envelope;

  constructor(store: AccessKeyStore, envelope: Envelope) {
    this.#store = store;
    this.#envelope = envelope;
  }

  /** Validates the policy (POLICY_INVALID otherwise) and returns the secret: shown once. */
  async create(
    name: string,
    policyDocument: unknown,
  ): Promise<AccessKeySummary & { secretAccessKey: string }> {
    const document = parseBody(absolutePolicySchema, policyDocument, "policy", "POLICY_INVALID");
    const id = newAccessKeyId();
    const secret = randomBytes(30).toString("base64url");
    const policy = normalizePolicyDocument(`accesskey/${id}`, document);
    const record: AccessKeyRecord = {
      id,
      name,
      secretCiphertext: this.#envelope.seal(secret, aad(id)),
      policy: JSON.stringify(policy.statements),
      createdAt: Date.now(),
      revokedAt: undefined,
    };
    await this.#store.createAccessKey(record);
    return { ...summary(record), secretAccessKey: secret };
  }

  async list(): Promise<AccessKeySummary[]> {
    return (await this.#store.listAccessKeys()).map(summary);
  }

  async revoke(id: string): Promise<void> {
    if (!(await this.#store.revokeAccessKey(id, Date.now()))) {
      const exists = await this.#store.getAccessKey(id);
      if (!exists) throw new NimbusError("NOT_FOUND", `No access key ${id}`);
    }
  }

  /** The key with its secret in clear, for request-signing verifiers; undefined when unknown. */
  async resolveAccessKey(accessKeyId: string): Promise<ResolvedAccessKey | undefined> {
    if (!ACCESS_KEY_ID.test(accessKeyId)) return undefined;
    const record = await this.#store.getAccessKey(accessKeyId);
    if (!record) return undefined;
    return {
      accessKeyId: record.id,
      name: record.name,
      secretAccessKey: this.#envelope.open(record.secretCiphertext, aad(record.id)).toString("utf8"),
      policy: policyOf(record),
      active: record.revokedAt === undefined,
    };
  }

  /** The principal of an active key whose secret matches; CREDENTIALS_INVALID otherwise. */
  async authenticate(accessKeyId: string, secret: string): Promise<AccessKeyPrincipal> {
    const key = await this.resolveAccessKey(accessKeyId);
    const expected = Buffer.from(key?.secretAccessKey ?? "");
    const presented = Buffer.from(secret);
    const matches = expected.length === presented.length && timingSafeEqual(expected, presented);
    if (!key || !matches || !key.active) {
      throw new NimbusError(
        "CREDENTIALS_INVALID",
        `The access key ${accessKeyId} is unknown, revoked, or its secret is wrong`,
      );
    }
    return { kind: "access-key", accessKeyId: key.accessKeyId, name: key.name, policy: key.policy };
  }

  /** The current policy of an active key (none once revoked), for credentials derived from it. */
  async currentPolicies(accessKeyId: string): Promise<readonly Policy[]> {
    const record = await this.#store.getAccessKey(accessKeyId);
    return record && record.revokedAt === undefined ? [policyOf(record)] : [];
  }
}
