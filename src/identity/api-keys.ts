// API keys of an app: they identify the callers of `auth: apiKey` routes and meter them with a
// usage plan; they grant nothing else (an API key principal has no policy). The value is shown
// once at creation and stored as its SHA-256.
import { createHash, randomBytes } from "node:crypto";
import { NimbusError } from "../core/errors.ts";
import type { AppConfig } from "../core/manifest/normalize.ts";
import type { ApiKeyRecord, ApiKeyStore } from "../store/identity-ports.ts";
import { quotaWindow } from "./route-auth/quota-window.ts";

export interface ApiKeySummary {
  readonly id: string;
  readonly name: string;
  readonly plan: string | undefined;
  readonly createdAt: number;
  readonly revokedAt: number | undefined;
  /** Requests counted in the current quota period, when the plan has a quota. */
  readonly usage: { readonly used: number; readonly limit: number; readonly resetsAt: number } | undefined;
}

export function hashApiKey(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

export class ApiKeys {
  readonly #store: ApiKeyStore;
  readonly #appConfig: (app: string) => Promise<AppConfig | undefined>;

  constructor(store: ApiKeyStore, appConfig: (app: string) => Promise<AppConfig | undefined>) {
    this.#store = store;
    this.#appConfig = appConfig;
  }

  async create(
    app: string,
    name: string,
    plan: string | undefined,
  ): Promise<ApiKeySummary & { value: string }> {
    const config = await this.#appConfig(app);
    if (!config) throw new NimbusError("APP_NOT_FOUND", `App "${app}" is not deployed`);
    if (plan !== undefined && !(plan in (config.usagePlans ?? {}))) {
      const known = Object.keys(config.usagePlans ?? {});
      throw new NimbusError(
        "BAD_REQUEST",
        `App "${app}" has no usage plan "${plan}"; it has ${known.length > 0 ? known.join(", ") : "none (declare usagePlans in nimbus.yaml)"}`,
      );
    }
    const value = `napi_${randomBytes(32).toString("base64url")}`;
    const record: ApiKeyRecord = {
      id: `key_${randomBytes(8).toString("hex")}`,
      app,
      name,
      keyHash: hashApiKey(value),
      plan,
      createdAt: Date.now(),
      revokedAt: undefined,
    };
    await this.#store.createApiKey(record);
    return { ...(await this.#summary(record, config)), value };
  }

  async list(app: string): Promise<ApiKeySummary[]> {
    const config = await this.#appConfig(app);
    return Promise.all((await this.#store.listApiKeys(app)).map((record) => this.#summary(record, config)));
  }

  async revoke(app: string, id: string): Promise<void> {
    if (!(await this.#store.revokeApiKey(app, id, Date.now()))) {
      const exists = (await this.#store.listApiKeys(app)).some((record) => record.id === id);
      if (!exists) throw new NimbusError("NOT_FOUND", `App "${app}" has no API key ${id}`);
    }
  }

  /** The active key of the app with this value; CREDENTIALS_INVALID otherwise. */
  async verify(app: string, value: string): Promise<ApiKeyRecord> {
    const record = await this.#store.getApiKeyByHash(hashApiKey(value));
    if (!record || record.app !== app || record.revokedAt !== undefined) {
      throw new NimbusError(
        "CREDENTIALS_INVALID",
        "The API key (x-api-key) is unknown, revoked, or of another app",
      );
    }
    return record;
  }

  async #summary(record: ApiKeyRecord, config: AppConfig | undefined): Promise<ApiKeySummary> {
    const quota = record.plan === undefined ? undefined : config?.usagePlans?.[record.plan]?.quota;
    let usage: ApiKeySummary["usage"];
    if (quota) {
      const window = quotaWindow(quota.period, Date.now());
      usage = {
        used: await this.#store.quotaUsed(record.id, window.start),
        limit: quota.limit,
        resetsAt: window.end,
      };
    }
    return {
      id: record.id,
      name: record.name,
      plan: record.plan,
      createdAt: record.createdAt,
      revokedAt: record.revokedAt,
      usage,
    };
  }
}
