// The persistence ports of identity and secrets (src/identity/). Values that must stay secret
// (access key secrets, parameter values, private signing keys) reach these ports already
// encrypted under the master key: no adapter ever sees them in clear. Passwords, refresh
// tokens, API keys and one-time codes are stored only as hashes.

export interface AccessKeyRecord {
  /** "NAK…": public, shown in listings and decisions. */
  readonly id: string;
  readonly name: string;
  /** The secret access key, encrypted (kept retrievable for request signing, as AWS does). */
  readonly secretCiphertext: string;
  /** The key's normalised policy, as JSON. */
  readonly policy: string;
  readonly createdAt: number;
  readonly revokedAt: number | undefined;
}

export interface AccessKeyStore {
  createAccessKey(record: AccessKeyRecord): Promise<void>;
  getAccessKey(id: string): Promise<AccessKeyRecord | undefined>;
  /** Oldest first. */
  listAccessKeys(): Promise<AccessKeyRecord[]>;
  /** True when the key was active and is revoked now. */
  revokeAccessKey(id: string, revokedAt: number): Promise<boolean>;
}

export type SecretType = "plain" | "secret";

export interface SecretRecord {
  readonly app: string;
  readonly name: string;
  /** 1, 2, 3… per name; every put adds the next one. */
  readonly version: number;
  readonly type: SecretType;
  /** The value, encrypted. */
  readonly ciphertext: string;
  readonly createdAt: number;
}

export interface NewSecretVersion {
  readonly app: string;
  readonly name: string;
  readonly type: SecretType;
  readonly ciphertext: string;
  readonly createdAt: number;
}

export interface SecretStore {
  /** Stores the next version of the name, atomically (concurrent puts get distinct versions). */
  putSecretVersion(input: NewSecretVersion): Promise<SecretRecord>;
  /** The given version, or the latest when none is given. */
  getSecret(app: string, name: string, version?: number): Promise<SecretRecord | undefined>;
  /** The latest version of every name of the app, by name. */
  listSecrets(app: string): Promise<SecretRecord[]>;
  /** Deletes every version; returns how many there were. */
  deleteSecret(app: string, name: string): Promise<number>;
}

export interface SigningKeyRecord {
  /** The JWK key id, in every token's header. */
  readonly kid: string;
  readonly algorithm: string;
  /** The public JWK, as JSON (published in the JWKS). */
  readonly publicJwk: string;
  /** The private JWK, encrypted. */
  readonly privateJwkCiphertext: string;
  readonly createdAt: number;
}

export interface SigningKeyStore {
  addSigningKey(record: SigningKeyRecord): Promise<void>;
  /** Newest first. */
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  deleteSigningKey(kid: string): Promise<void>;
}

export interface UserRecord {
  readonly app: string;
  /** Stable, random; the `sub` of the user's tokens. */
  readonly userId: string;
  /** Unique in the app (compared as given; the service lower-cases). */
  readonly username: string;
  readonly email: string | undefined;
  readonly emailVerified: boolean;
  /** "scrypt$…" (see identity/user-pools/passwords.ts). */
  readonly passwordHash: string;
  /** "unconfirmed" until the email is verified (self sign-up); admin-created users are confirmed. */
  readonly status: "unconfirmed" | "confirmed";
  readonly enabled: boolean;
  readonly groups: readonly string[];
  /** Failed sign-ins in a row. */
  readonly failedSignIns: number;
  readonly lockedUntil: number | undefined;
  readonly createdAt: number;
}

export type UserChanges = Partial<
  Pick<UserRecord, "passwordHash" | "status" | "enabled" | "emailVerified" | "groups" | "email">
>;

export type CodePurpose = "verify-email" | "reset-password";

export interface OneTimeCode {
  readonly app: string;
  readonly userId: string;
  readonly purpose: CodePurpose;
  readonly codeHash: string;
  readonly expiresAt: number;
  /** Wrong guesses allowed before the code is void. */
  readonly attemptsLeft: number;
}

export type CodeCheck = "ok" | "wrong" | "missing";

export interface RefreshTokenRecord {
  readonly tokenHash: string;
  readonly app: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface UserStore {
  /** False (and nothing stored) when the app already has a user of that name. */
  createUser(record: UserRecord): Promise<boolean>;
  getUserByName(app: string, username: string): Promise<UserRecord | undefined>;
  getUserById(app: string, userId: string): Promise<UserRecord | undefined>;
  /** By username. */
  listUsers(app: string, limit: number): Promise<UserRecord[]>;
  /** False when there is no such user. */
  updateUser(app: string, userId: string, changes: UserChanges): Promise<boolean>;
  /**
   * Counts one more failed sign-in, atomically; when the count reaches `lockAfter` the user
   * is locked until `lockUntil` and the count starts again. Returns the state after.
   */
  recordFailedSignIn(
    app: string,
    userId: string,
    lockAfter: number,
    lockUntil: number,
  ): Promise<{ failedSignIns: number; lockedUntil: number | undefined }>;
  resetFailedSignIns(app: string, userId: string): Promise<void>;
  /** Replaces any code of the same user and purpose. */
  putCode(code: OneTimeCode): Promise<void>;
  /**
   * Checks a code, atomically: "ok" consumes it; "wrong" uses up an attempt (the last one
   * voids it); "missing" when there is none, it expired, or no attempt is left.
   */
  checkCode(
    app: string,
    userId: string,
    purpose: CodePurpose,
    codeHash: string,
    now: number,
  ): Promise<CodeCheck>;
  putRefreshToken(record: RefreshTokenRecord): Promise<void>;
  getRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /** True when it existed. */
  revokeRefreshToken(tokenHash: string): Promise<boolean>;
  /** Revokes every refresh token of the user; returns how many. */
  revokeUserRefreshTokens(app: string, userId: string): Promise<number>;
}

export interface ApiKeyRecord {
  readonly id: string;
  readonly app: string;
  readonly name: string;
  /** SHA-256 of the key value, hex: the value itself is shown once and never stored. */
  readonly keyHash: string;
  /** The usage plan of the app's manifest that limits it; none: unlimited. */
  readonly plan: string | undefined;
  readonly createdAt: number;
  readonly revokedAt: number | undefined;
}

export interface ApiKeyStore {
  createApiKey(record: ApiKeyRecord): Promise<void>;
  getApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** Oldest first. */
  listApiKeys(app: string): Promise<ApiKeyRecord[]>;
  revokeApiKey(app: string, id: string, revokedAt: number): Promise<boolean>;
  /**
   * Counts one request in the key's quota window, atomically across nodes, unless the count
   * already reached `limit`. Returns the count after, or undefined when the quota is used up.
   */
  consumeQuota(keyId: string, windowStart: number, limit: number): Promise<number | undefined>;
  /** Requests counted in the window (0 when none). */
  quotaUsed(keyId: string, windowStart: number): Promise<number>;
}
