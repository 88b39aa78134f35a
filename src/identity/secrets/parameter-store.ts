// The parameter store: plain and secret parameters per app, versioned, encrypted at rest
// with AES-256-GCM under the master key (plain ones too: the difference is who sees them —
// listings show plain values, never secret ones). Authorization happens before any call
// here (secrets:* actions), in the HTTP API and when an instance's environment is built.
import { NimbusError } from "../../core/errors.ts";
import { isSecretName, SECRET_NAME_RULE } from "../../core/secret-names.ts";
import type { SecretRecord, SecretStore, SecretType } from "../../store/identity-ports.ts";
import type { Envelope } from "../crypto/envelope.ts";

/** A parameter's value may be up to 64 KiB, as AWS Secrets Manager allows. */
export const MAX_VALUE_BYTES = 64 * 1024;

export interface ParameterSummary {
  readonly name: string;
  readonly type: SecretType;
  /** The latest version. */
  readonly version: number;
  readonly updatedAt: number;
  /** Plain parameters only: a secret's value is never listed. */
  readonly value?: string;
}

export interface ParameterValue {
  readonly name: string;
  readonly type: SecretType;
  readonly version: number;
  readonly createdAt: number;
  readonly value: string;
}

function aad(app: string, name: string): string {
  return `secret:${app}/${name}`;
}

export function assertSecretName(name: string): void {
  if (!isSecretName(name)) {
    throw new NimbusError(
      "BAD_REQUEST",
      `"${name}" is not a parameter name: use ${SECRET_NAME_RULE}, at most 256 characters`,
    );
  }
}

export class ParameterStore {
  readonly #store: SecretStore;
  readonly #envelope: Envelope;

  constructor(store: SecretStore, envelope: Envelope) {
    this.#store = store;
    this.#envelope = envelope;
  }

  /** Stores the value as the next version; the answer never holds the value. */
  async put(
    app: string,
    name: string,
    value: string,
    type: SecretType,
  ): Promise<Omit<ParameterSummary, "value">> {
    assertSecretName(name);
    if (value.length === 0) throw new NimbusError("BAD_REQUEST", `The value of "${name}" is empty`);
    if (Buffer.byteLength(value) > MAX_VALUE_BYTES) {
      throw new NimbusError("BAD_REQUEST", `The value of "${name}" is over ${MAX_VALUE_BYTES} bytes`);
    }
    const record = await this.#store.putSecretVersion({
      app,
      name,
      type,
      ciphertext: this.#envelope.seal(value, aad(app, name)),
      createdAt: Date.now(),
    });
    return { name, type, version: record.version, updatedAt: record.createdAt };
  }

  /** The latest version, or the one asked for; SECRET_NOT_FOUND otherwise. */
  async get(app: string, name: string, version?: number): Promise<ParameterValue> {
    assertSecretName(name);
    const record = await this.#store.getSecret(app, name, version);
    if (!record) {
      const which = version === undefined ? "" : ` version ${version}`;
      throw new NimbusError("SECRET_NOT_FOUND", `App "${app}" has no parameter "${name}"${which}`);
    }
    return {
      name,
      type: record.type,
      version: record.version,
      createdAt: record.createdAt,
      value: this.#open(record),
    };
  }

  async list(app: string): Promise<ParameterSummary[]> {
    return (await this.#store.listSecrets(app)).map((record) => ({
      name: record.name,
      type: record.type,
      version: record.version,
      updatedAt: record.createdAt,
      ...(record.type === "plain" ? { value: this.#open(record) } : {}),
    }));
  }

  async delete(app: string, name: string): Promise<void> {
    assertSecretName(name);
    if ((await this.#store.deleteSecret(app, name)) === 0) {
      throw new NimbusError("SECRET_NOT_FOUND", `App "${app}" has no parameter "${name}"`);
    }
  }

  #open(record: SecretRecord): string {
    return this.#envelope.open(record.ciphertext, aad(record.app, record.name)).toString("utf8");
  }
}
