import type pg from "pg";
import type { CodeCheck, RefreshTokenRecord, UserChanges, UserRecord, UserStore } from "../identity-ports.ts";
import { transaction } from "./database.ts";

interface UserRow {
  app: string;
  user_id: string;
  username: string;
  email: string | null;
  email_verified: boolean;
  password_hash: string;
  status: "unconfirmed" | "confirmed";
  enabled: boolean;
  user_groups: string;
  failed_sign_ins: number;
  locked_until: number | null;
  created_at: number;
}

interface RefreshRow {
  token_hash: string;
  app: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

function toRecord(row: UserRow): UserRecord {
  return {
    app: row.app,
    userId: row.user_id,
    username: row.username,
    email: row.email ?? undefined,
    emailVerified: row.email_verified,
    passwordHash: row.password_hash,
    status: row.status,
    enabled: row.enabled,
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

export function createPostgresUserStore(pool: pg.Pool): UserStore {
  return {
    async createUser(user) {
      const result = await pool.query(
        `INSERT INTO users (app, user_id, username, email, email_verified, password_hash, status, enabled,
           user_groups, failed_sign_ins, locked_until, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
        [
          user.app,
          user.userId,
          user.username,
          user.email ?? null,
          user.emailVerified,
          user.passwordHash,
          user.status,
          user.enabled,
          JSON.stringify(user.groups),
          user.failedSignIns,
          user.lockedUntil ?? null,
          user.createdAt,
        ],
      );
      return (result.rowCount ?? 0) > 0;
    },
    async getUserByName(app, username) {
      const { rows } = await pool.query<UserRow>("SELECT * FROM users WHERE app = $1 AND username = $2", [
        app,
        username,
      ]);
      return rows[0] && toRecord(rows[0]);
    },
    async getUserById(app, userId) {
      const { rows } = await pool.query<UserRow>("SELECT * FROM users WHERE app = $1 AND user_id = $2", [
        app,
        userId,
      ]);
      return rows[0] && toRecord(rows[0]);
    },
    async listUsers(app, limit) {
      const { rows } = await pool.query<UserRow>(
        "SELECT * FROM users WHERE app = $1 ORDER BY username LIMIT $2",
        [app, limit],
      );
      return rows.map(toRecord);
    },
    async updateUser(app, userId, changes) {
      const keys = (Object.keys(changes) as (keyof UserChanges)[]).filter(
        (key) => changes[key] !== undefined,
      );
      if (keys.length === 0) return (await this.getUserById(app, userId)) !== undefined;
      const assignments = keys.map((key, index) => `${COLUMNS[key]} = $${index + 3}`).join(", ");
      const values = keys.map((key) => (key === "groups" ? JSON.stringify(changes[key]) : changes[key]));
      const result = await pool.query(`UPDATE users SET ${assignments} WHERE app = $1 AND user_id = $2`, [
        app,
        userId,
        ...values,
      ]);
      return (result.rowCount ?? 0) > 0;
    },
    async recordFailedSignIn(app, userId, lockAfter, lockUntil) {
      const { rows } = await pool.query<{ failed_sign_ins: number; locked_until: number | null }>(
        `UPDATE users SET
           failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= $3 THEN 0 ELSE failed_sign_ins + 1 END,
           locked_until = CASE WHEN failed_sign_ins + 1 >= $3 THEN $4 ELSE locked_until END
         WHERE app = $1 AND user_id = $2
         RETURNING failed_sign_ins, locked_until`,
        [app, userId, lockAfter, lockUntil],
      );
      return {
        failedSignIns: rows[0]?.failed_sign_ins ?? 0,
        lockedUntil: rows[0]?.locked_until ?? undefined,
      };
    },
    async resetFailedSignIns(app, userId) {
      await pool.query(
        "UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE app = $1 AND user_id = $2",
        [app, userId],
      );
    },
    async putCode(code) {
      await pool.query(
        `INSERT INTO user_codes (app, user_id, purpose, code_hash, expires_at, attempts_left)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (app, user_id, purpose) DO UPDATE SET
           code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts_left = excluded.attempts_left`,
        [code.app, code.userId, code.purpose, code.codeHash, code.expiresAt, code.attemptsLeft],
      );
    },
    checkCode(app, userId, purpose, codeHash, now): Promise<CodeCheck> {
      return transaction(pool, async (client) => {
        const key = [app, userId, purpose];
        const { rows } = await client.query<{ code_hash: string; expires_at: number; attempts_left: number }>(
          "SELECT code_hash, expires_at, attempts_left FROM user_codes WHERE app = $1 AND user_id = $2 AND purpose = $3 FOR UPDATE",
          key,
        );
        const row = rows[0];
        if (row === undefined) return "missing";
        const remove = () =>
          client.query("DELETE FROM user_codes WHERE app = $1 AND user_id = $2 AND purpose = $3", key);
        if (row.expires_at <= now || row.attempts_left <= 0) {
          await remove();
          return "missing";
        }
        if (row.code_hash === codeHash) {
          await remove();
          return "ok";
        }
        if (row.attempts_left <= 1) await remove();
        else {
          await client.query(
            "UPDATE user_codes SET attempts_left = attempts_left - 1 WHERE app = $1 AND user_id = $2 AND purpose = $3",
            key,
          );
        }
        return "wrong";
      });
    },
    async putRefreshToken(record) {
      await pool.query(
        "INSERT INTO refresh_tokens (token_hash, app, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        [record.tokenHash, record.app, record.userId, record.createdAt, record.expiresAt],
      );
    },
    async getRefreshToken(tokenHash): Promise<RefreshTokenRecord | undefined> {
      const { rows } = await pool.query<RefreshRow>("SELECT * FROM refresh_tokens WHERE token_hash = $1", [
        tokenHash,
      ]);
      const row = rows[0];
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
      const result = await pool.query("DELETE FROM refresh_tokens WHERE token_hash = $1", [tokenHash]);
      return (result.rowCount ?? 0) > 0;
    },
    async revokeUserRefreshTokens(app, userId) {
      const result = await pool.query("DELETE FROM refresh_tokens WHERE app = $1 AND user_id = $2", [
        app,
        userId,
      ]);
      return result.rowCount ?? 0;
    },
  };
}
