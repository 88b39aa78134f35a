// An app's user pool: sign-up with email verification, sign-in with lockout, refresh,
// sign-out (refresh-token revocation), password reset, and the admin side (create, list,
// disable, enable). Cognito's behaviour where it matters: sign-in never says whether a user
// exists, unconfirmed users cannot sign in, a password reset revokes every session.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { NimbusError } from "../../core/errors.ts";
import type { UserPoolConfig } from "../../core/manifest/user-pool.ts";
import type { CodePurpose, UserRecord, UserStore } from "../../store/identity-ports.ts";
import { codeEmail, type EmailSender } from "./email-sender.ts";
import { CODE_ATTEMPTS, CODE_TTL_MS, type OneTimeCodes } from "./one-time-codes.ts";
import { burnPasswordCheck, hashPassword, MAX_PASSWORD_LENGTH, verifyPassword } from "./passwords.ts";
import type { IssuedTokens, UserTokens } from "./user-tokens.ts";

const USERNAME = /^[a-z0-9_.@+-]{1,128}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;

export interface UserSummary {
  readonly userId: string;
  readonly username: string;
  readonly email: string | undefined;
  readonly emailVerified: boolean;
  readonly status: UserRecord["status"];
  readonly enabled: boolean;
  readonly groups: readonly string[];
  readonly locked: boolean;
  readonly createdAt: number;
}

export interface SignInResult extends IssuedTokens {
  readonly refreshToken: string;
}

export interface UserPoolDeps {
  readonly users: UserStore;
  readonly poolOf: (app: string) => Promise<UserPoolConfig | undefined>;
  readonly tokens: UserTokens;
  readonly codes: OneTimeCodes;
  readonly sender: EmailSender;
}

export function normalizeUsername(username: string): string {
  const normalized = username.trim().toLowerCase();
  if (!USERNAME.test(normalized)) {
    throw new NimbusError("BAD_REQUEST", "A username is 1 to 128 letters, digits, _, ., @, + or -");
  }
  return normalized;
}

function summary(user: UserRecord): UserSummary {
  return {
    userId: user.userId,
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified,
    status: user.status,
    enabled: user.enabled,
    groups: user.groups,
    locked: (user.lockedUntil ?? 0) > Date.now(),
    createdAt: user.createdAt,
  };
}

function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function maskEmail(email: string): string {
  const [local = "", domain = ""] = email.split("@");
  return `${local.slice(0, 1)}***@${domain.slice(0, 1)}***`;
}

export class UserPools {
  readonly #deps: UserPoolDeps;

  constructor(deps: UserPoolDeps) {
    this.#deps = deps;
  }

  async pool(app: string): Promise<UserPoolConfig> {
    const pool = await this.#deps.poolOf(app);
    if (!pool) throw new NimbusError("USER_POOL_NOT_FOUND", `App "${app}" has no user pool`);
    return pool;
  }

  async signUp(app: string, input: { username: string; password: string; email: string }) {
    const pool = await this.pool(app);
    if (!pool.selfSignUp) {
      throw new NimbusError(
        "ACCESS_DENIED",
        `App "${app}" does not allow sign-up; an administrator creates users`,
      );
    }
    const username = normalizeUsername(input.username);
    this.#checkPassword(pool, input.password);
    const email = this.#checkEmail(input.email);
    const user = await this.#create(app, {
      username,
      email,
      passwordHash: await hashPassword(input.password),
      status: "unconfirmed",
      groups: [],
    });
    await this.#sendCode(user, "verify-email");
    return { userId: user.userId, username, confirmed: false, codeDestination: maskEmail(email) };
  }

  async confirmSignUp(app: string, input: { username: string; code: string }): Promise<void> {
    await this.pool(app);
    const user = await this.#userForCode(app, input.username);
    await this.#checkCode(user, "verify-email", input.code);
    await this.#deps.users.updateUser(app, user.userId, { status: "confirmed", emailVerified: true });
  }

  /** Always succeeds: whether the user exists is not said. */
  async resendCode(app: string, input: { username: string }): Promise<void> {
    await this.pool(app);
    const user = await this.#deps.users.getUserByName(app, normalizeUsername(input.username));
    if (user?.status === "unconfirmed" && user.email) await this.#sendCode(user, "verify-email");
  }

  async signIn(app: string, input: { username: string; password: string }): Promise<SignInResult> {
    const pool = await this.pool(app);
    const user = await this.#deps.users.getUserByName(app, input.username.trim().toLowerCase());
    const failed = () => new NimbusError("SIGN_IN_FAILED", "Wrong username or password");
    if (!user) {
      await burnPasswordCheck(input.password);
      throw failed();
    }
    const now = Date.now();
    if ((user.lockedUntil ?? 0) > now) throw this.#locked(user.lockedUntil as number);
    if (!(await verifyPassword(input.password, user.passwordHash))) {
      const { lockout } = pool;
      const after = await this.#deps.users.recordFailedSignIn(
        app,
        user.userId,
        lockout.maxFailedAttempts,
        now + lockout.durationMs,
      );
      if ((after.lockedUntil ?? 0) > now) throw this.#locked(after.lockedUntil as number);
      throw failed();
    }
    // Only someone with the password learns that the user is disabled or unconfirmed.
    if (!user.enabled) throw new NimbusError("SIGN_IN_FAILED", "The user is disabled");
    if (user.status !== "confirmed") {
      throw new NimbusError("USER_NOT_CONFIRMED", "Confirm the sign-up with the code sent by email first");
    }
    if (user.failedSignIns > 0 || user.lockedUntil !== undefined) {
      await this.#deps.users.resetFailedSignIns(app, user.userId);
    }
    const tokens = await this.#deps.tokens.issue(pool, user);
    const refreshToken = `nrt_${randomBytes(32).toString("base64url")}`;
    await this.#deps.users.putRefreshToken({
      tokenHash: hashRefreshToken(refreshToken),
      app,
      userId: user.userId,
      createdAt: now,
      expiresAt: now + pool.refreshTokenTtlMs,
    });
    return { ...tokens, refreshToken };
  }

  async refresh(app: string, input: { refreshToken: string }): Promise<IssuedTokens> {
    const pool = await this.pool(app);
    const record = await this.#deps.users.getRefreshToken(hashRefreshToken(input.refreshToken));
    const invalid = new NimbusError(
      "CREDENTIALS_INVALID",
      "The refresh token is unknown, revoked or expired; sign in again",
    );
    if (!record || record.app !== app) throw invalid;
    if (record.expiresAt <= Date.now()) {
      await this.#deps.users.revokeRefreshToken(record.tokenHash);
      throw invalid;
    }
    const user = await this.#deps.users.getUserById(app, record.userId);
    if (!user?.enabled) throw invalid;
    return this.#deps.tokens.issue(pool, user);
  }

  /** Revokes the refresh token (or, with everywhere, every one of its user). Unknown tokens are ignored, as RFC 7009 says. */
  async signOut(
    app: string,
    input: { refreshToken: string; everywhere?: boolean | undefined },
  ): Promise<void> {
    await this.pool(app);
    const record = await this.#deps.users.getRefreshToken(hashRefreshToken(input.refreshToken));
    if (!record || record.app !== app) return;
    if (input.everywhere) await this.#deps.users.revokeUserRefreshTokens(app, record.userId);
    else await this.#deps.users.revokeRefreshToken(record.tokenHash);
  }

  /** Always succeeds: whether the user exists is not said. */
  async forgotPassword(app: string, input: { username: string }): Promise<void> {
    await this.pool(app);
    const user = await this.#deps.users.getUserByName(app, normalizeUsername(input.username));
    if (user?.email && user.enabled) await this.#sendCode(user, "reset-password");
  }

  async confirmForgotPassword(
    app: string,
    input: { username: string; code: string; password: string },
  ): Promise<void> {
    const pool = await this.pool(app);
    this.#checkPassword(pool, input.password);
    const user = await this.#userForCode(app, input.username);
    await this.#checkCode(user, "reset-password", input.code);
    // The code came by email: that proves the address too. Every session ends.
    await this.#deps.users.updateUser(app, user.userId, {
      passwordHash: await hashPassword(input.password),
      status: "confirmed",
      emailVerified: true,
    });
    await this.#deps.users.resetFailedSignIns(app, user.userId);
    await this.#deps.users.revokeUserRefreshTokens(app, user.userId);
  }

  // ---- administration (through IAM-guarded routes) ----

  async createUser(
    app: string,
    input: {
      username: string;
      password: string;
      email?: string | undefined;
      groups?: readonly string[] | undefined;
    },
  ): Promise<UserSummary> {
    const pool = await this.pool(app);
    const username = normalizeUsername(input.username);
    this.#checkPassword(pool, input.password);
    const groups = [...new Set(input.groups ?? [])];
    const unknown = groups.filter((group) => !(group in pool.groups));
    if (unknown.length > 0) {
      const known = Object.keys(pool.groups);
      throw new NimbusError(
        "BAD_REQUEST",
        `Unknown group(s) ${unknown.join(", ")}; the pool has ${known.length > 0 ? known.join(", ") : "no groups"}`,
      );
    }
    const email = input.email === undefined ? undefined : this.#checkEmail(input.email);
    const user = await this.#create(app, {
      username,
      email,
      passwordHash: await hashPassword(input.password),
      status: "confirmed",
      groups,
    });
    return summary(user);
  }

  async listUsers(app: string, limit: number): Promise<UserSummary[]> {
    await this.pool(app);
    return (await this.#deps.users.listUsers(app, limit)).map(summary);
  }

  /** Disabling also ends every session (refresh tokens); access tokens end with their short life. */
  async setEnabled(app: string, username: string, enabled: boolean): Promise<UserSummary> {
    await this.pool(app);
    const user = await this.#deps.users.getUserByName(app, normalizeUsername(username));
    if (!user) throw new NimbusError("USER_NOT_FOUND", `App "${app}" has no user "${username}"`);
    await this.#deps.users.updateUser(app, user.userId, { enabled });
    if (!enabled) await this.#deps.users.revokeUserRefreshTokens(app, user.userId);
    return summary({ ...user, enabled });
  }

  /** Whether a user may act now: exists and is enabled (authorize asks before using a user's role). */
  async isActive(app: string, userId: string): Promise<boolean> {
    return (await this.#deps.users.getUserById(app, userId))?.enabled ?? false;
  }

  #checkPassword(pool: UserPoolConfig, password: string): void {
    if (password.length < pool.passwordMinLength || password.length > MAX_PASSWORD_LENGTH) {
      throw new NimbusError(
        "PASSWORD_INVALID",
        `A password must have ${pool.passwordMinLength} to ${MAX_PASSWORD_LENGTH} characters`,
      );
    }
  }

  #checkEmail(email: string): string {
    const trimmed = email.trim();
    if (!EMAIL.test(trimmed)) throw new NimbusError("BAD_REQUEST", "The email address is not valid");
    return trimmed;
  }

  async #create(
    app: string,
    fields: Pick<UserRecord, "username" | "email" | "passwordHash" | "status" | "groups">,
  ): Promise<UserRecord> {
    const user: UserRecord = {
      app,
      userId: randomUUID(),
      ...fields,
      emailVerified: false,
      enabled: true,
      failedSignIns: 0,
      lockedUntil: undefined,
      createdAt: Date.now(),
    };
    if (!(await this.#deps.users.createUser(user))) {
      throw new NimbusError("USER_EXISTS", `App "${app}" already has a user "${fields.username}"`);
    }
    return user;
  }

  async #userForCode(app: string, username: string): Promise<UserRecord> {
    const user = await this.#deps.users.getUserByName(app, normalizeUsername(username));
    if (!user) throw new NimbusError("CODE_INVALID", "The code is wrong or no longer valid");
    return user;
  }

  async #checkCode(user: UserRecord, purpose: CodePurpose, code: string): Promise<void> {
    const { codes, users } = this.#deps;
    const result = await users.checkCode(
      user.app,
      user.userId,
      purpose,
      codes.hash(user.app, user.userId, purpose, code),
      Date.now(),
    );
    if (result !== "ok") throw new NimbusError("CODE_INVALID", "The code is wrong or no longer valid");
  }

  async #sendCode(user: UserRecord, purpose: CodePurpose): Promise<void> {
    if (!user.email) return;
    const { codes, users, sender } = this.#deps;
    const code = codes.newCode();
    await users.putCode({
      app: user.app,
      userId: user.userId,
      purpose,
      codeHash: codes.hash(user.app, user.userId, purpose, code),
      expiresAt: Date.now() + CODE_TTL_MS[purpose],
      attemptsLeft: CODE_ATTEMPTS,
    });
    await sender.send(codeEmail(user.app, user.email, purpose, code));
  }

  #locked(until: number): NimbusError {
    const seconds = Math.max(1, Math.ceil((until - Date.now()) / 1000));
    return new NimbusError("SIGN_IN_LOCKED", `Too many failed sign-ins; try again in ${seconds} s`, {
      headers: { "retry-after": String(seconds) },
    });
  }
}
