// The admin key guards the admin API. It is created on first start, shown once, and
// only its SHA-256 hash is stored (a random 192-bit key needs no slow hash).
import { createHash, timingSafeEqual } from "node:crypto";
import { newSecretToken } from "../core/ids.ts";
import type { SettingsStore } from "../store/ports.ts";

const SETTING = "admin-key-sha256";

function hash(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}

export interface AdminKeyCheck {
  verify(presented: string | undefined): boolean;
}

/**
 * Makes sure an admin key exists. `configuredKey` (NIMBUS_ADMIN_KEY or an option) replaces
 * the stored one. Returns the plain key only when it was generated now, so it can be shown once.
 */
export async function ensureAdminKey(
  settings: SettingsStore,
  configuredKey: string | undefined,
): Promise<{ check: AdminKeyCheck; createdKey: string | undefined }> {
  let createdKey: string | undefined;
  if (configuredKey) {
    await settings.setSetting(SETTING, hash(configuredKey).toString("hex"));
  } else if (!(await settings.getSetting(SETTING))) {
    createdKey = newSecretToken("nk_admin");
    await settings.setSetting(SETTING, hash(createdKey).toString("hex"));
  }
  const expected = Buffer.from((await settings.getSetting(SETTING)) as string, "hex");
  return {
    createdKey,
    check: {
      verify(presented) {
        return presented !== undefined && timingSafeEqual(hash(presented), expected);
      },
    },
  };
}
