import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { CodeCheck, UserChanges, UserRecord, UserStore } from "../identity-ports.ts";
import { transaction } from "./database.ts";

interface UserRow {
  app: string;
  user_id: string;
  username: string;
  email: string | null;
  email_verified: number;
  password_hash: string;
  status: "unconfirmed" | "confirmed";
  enabled: number;
  user_groups: string;
  failed_sign_ins: number;
  locked_until: number | null;
  created_at: number;
}

function toRecord(row: UserRow): UserRecord {
  return {
    app: row.app,
    userId: row.user_id,
    username: row.username,
    email: row.email ?? undefined,
    emailVerified: row.email_verified === 1,
    passwordHash: row.password_hash,
    status: row.status,
    enabled: row.enabled === 1,
    groups: JSON.parse(row.user_groups) as string[],
    failedSignIns: row.failed_sign_ins,
    lockedUntil: row.locked_until ?? undefined,
    createdAt: row.created_at,
  };
}

const COLUMNS: Record<keyof UserChanges, string> = {
  passwordHash: "password_hash",
  status: "status",
  enabled: "enabled",
  emailVerified: "email_verified",
  groups: "user_groups",
  email: "email",
};

function columnValue(key: keyof UserChanges, value: UserChanges[keyof UserChanges]): SQLInputValue {
  if (key === "groups") return JSON.stringify(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  return (value ?? null) as SQLInputValue;
}

export function createSqliteUserStore(db: DatabaseSync): UserStore {
  const insert = db.prepare(
    `INSERT INTO users (app, user_id, username, email, email_verified, password_hash, status, enabled,
       user_groups, failed_sign_ins, locked_until, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const byName = db.prepare("SELECT * FROM users WHERE app = ? AND username = ?");
  const byId = db.prepare("SELECT * FROM users WHERE app = ? AND user_id = ?");
  const list = db.prepare("SELECT * FROM users WHERE app = ? ORDER BY username LIMIT ?");
  const failed = db.prepare(
    `UPDATE users SET
       failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= ? THEN 0 ELSE failed_sign_ins + 1 END,
       locked_until = CASE WHEN failed_sign_ins + 1 >= ? THEN ? ELSE locked_until END
     WHERE app = ? AND user_id = ?
     RETURNING failed_sign_ins, locked_until`,
  );
  const resetFailed = db.prepare(
    "UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE app = ? AND user_id = ?",
  );
  const upsertCode = db.prepare(
    `INSERT INTO user_codes (app, user_id, purpose, code_hash, expires_at, attempts_left) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (app, user_id, purpose) DO UPDATE SET
       code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts_left = excluded.attempts_left`,
  );
  const selectCode = db.prepare("SELECT * FROM user_codes WHERE app = ? AND user_id = ? AND purpose = ?");
  const deleteCode = db.prepare("DELETE FROM user_codes WHERE app = ? AND user_id = ? AND purpose = ?");
  const spendAttempt = db.prepare(
    "UPDATE user_codes SET attempts_left = attempts_left - 1 WHERE app = ? AND user_id = ? AND purpose = ?",
  );
  const insertRefresh = db.prepare(
    "INSERT INTO refresh_tokens (token_hash, app, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
  );
  const selectRefresh = db.prepare("SELECT * FROM refresh_tokens WHERE token_hash = ?");
  const deleteRefresh = db.prepare("DELETE FROM refresh_tokens WHERE token_hash = ?");
  const deleteUserRefresh = db.prepare("DELETE FROM refresh_tokens WHERE app = ? AND user_id = ?");

  return {
    async createUser(user) {
      const result = insert.run(
        user.app,
        user.userId,
        user.username,
        user.email ?? null,
        user.emailVerified ? 1 : 0,
        user.passwordHash,
        user.status,
        user.enabled ? 1 : 0,
        JSON.stringify(user.groups),
        user.failedSignIns,
        user.lockedUntil ?? null,
        user.createdAt,
      );
      return result.changes > 0;
    },
    async getUserByName(app, username) {
      const row = byName.get(app, username) as UserRow | undefined;
      return row && toRecord(row);
    },
    async getUserById(app, userId) {
      const row = byId.get(app, userId) as UserRow | undefined;
      return row && toRecord(row);
    },
    async listUsers(app, limit) {
      return (list.all(app, limit) as unknown as UserRow[]).map(toRecord);
    },
    async updateUser(app, userId, changes) {
      const keys = (Object.keys(changes) as (keyof UserChanges)[]).filter(
        (key) => changes[key] !== undefined,
      );
      if (keys.length === 0) return byId.get(app, userId) !== undefined;
      const assignments = keys.map((key) => `${COLUMNS[key]} = ?`).join(", ");
      const values = keys.map((key) => columnValue(key, changes[key]));
      const result = db
        .prepare(`UPDATE users SET ${assignments} WHERE app = ? AND user_id = ?`)
        .run(...values, app, userId);
      return result.changes > 0;
    },
    async recordFailedSignIn(app, userId, lockAfter, lockUntil) {
      const row = failed.get(lockAfter, lockAfter, lockUntil, app, userId) as
        | { failed_sign_ins: number; locked_until: number | null }
        | undefined;
      return { failedSignIns: row?.failed_sign_ins ?? 0, lockedUntil: row?.locked_until ?? undefined };
    },
    async resetFailedSignIns(app, userId) {
      resetFailed.run(app, userId);
    },
    async putCode(code) {
      upsertCode.run(code.app, code.userId, code.purpose, code.codeHash, code.expiresAt, code.attemptsLeft);
    },
    async checkCode(app, userId, purpose, codeHash, now): Promise<CodeCheck> {
      return transaction(db, () => {
        const row = selectCode.get(app, userId, purpose) as
          | { code_hash: string; expires_at: number; attempts_left: number }
          | undefined;
        if (row === undefined) return "missing";
        if (row.expires_at <= now || row.attempts_left <= 0) {
          deleteCode.run(app, userId, purpose);
          return "missing";
        }
        if (row.code_hash === codeHash) {
          deleteCode.run(app, userId, purpose);
          return "ok";
        }
        if (row.attempts_left <= 1) deleteCode.run(app, userId, purpose);
        else spendAttempt.run(app, userId, purpose);
        return "wrong";
      });
    },
    async putRefreshToken(record) {
      insertRefresh.run(record.tokenHash, record.app, record.userId, record.createdAt, record.expiresAt);
    },
    async getRefreshToken(tokenHash) {
      const row = selectRefresh.get(tokenHash) as
        | { token_hash: string; app: string; user_id: string; created_at: number; expires_at: number }
        | undefined;
      return (
        row && {
          tokenHash: row.token_hash,
          app: row.app,
          userId: row.user_id,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
        }
      );
    },
    async revokeRefreshToken(tokenHash) {
      return deleteRefresh.run(tokenHash).changes > 0;
    },
    async revokeUserRefreshTokens(app, userId) {
      return Number(deleteUserRefresh.run(app, userId).changes);
    },
  };
}
