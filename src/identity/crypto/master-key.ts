// The master key that encrypts everything secret at rest (parameter values, access key
// secrets, private signing keys). From NIMBUS_MASTER_KEY (or the masterKey option) when set,
// otherwise from <dataDir>/master.key, created with mode 0600 on first start. The store keeps
// a check value (an HMAC of a constant), so a node started with another key refuses to start
// instead of writing data nobody else can read.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { NimbusError } from "../../core/errors.ts";
import type { SettingsStore } from "../../store/ports.ts";

export const MASTER_KEY_BYTES = 32;
export const MASTER_KEY_FILE = "master.key";
const CHECK_SETTING = "master-key-check";

export interface MasterKeyOptions {
  readonly dataDir: string;
  /** NIMBUS_MASTER_KEY or the masterKey option: 32 bytes as base64 or hex. */
  readonly configured: string | undefined;
  readonly settings: SettingsStore;
}

/** 32 bytes from hex (64 digits) or base64; undefined when the text is neither. */
export function parseMasterKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed, "base64");
  return bytes.length === MASTER_KEY_BYTES ? bytes : undefined;
}

function invalid(message: string): NimbusError {
  return new NimbusError("MASTER_KEY_INVALID", message);
}

function readKeyFile(path: string): Buffer {
  const mode = statSync(path).mode;
  // As ssh does with private keys: a key others can read is not a secret any more.
  if ((mode & 0o077) !== 0) {
    throw invalid(`${path} is readable by others (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it`);
  }
  const key = parseMasterKey(readFileSync(path, "utf8"));
  if (!key) throw invalid(`${path} does not hold a 32-byte key in base64`);
  return key;
}

/** Creates the key file exclusively (two processes starting at once cannot both write one). */
function createKeyFile(path: string): Buffer | undefined {
  const key = randomBytes(MASTER_KEY_BYTES);
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw error;
  }
  try {
    writeSync(fd, `${key.toString("base64")}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return key;
}

function checkValue(key: Buffer): string {
  return createHmac("sha256", key).update("nimbus master key check v1").digest("hex");
}

export async function loadMasterKey(options: MasterKeyOptions): Promise<Buffer> {
  let key: Buffer;
  if (options.configured !== undefined && options.configured !== "") {
    const parsed = parseMasterKey(options.configured);
    if (!parsed) throw invalid("NIMBUS_MASTER_KEY must be 32 bytes, written as 64 hex digits or base64");
    key = parsed;
  } else {
    mkdirSync(options.dataDir, { recursive: true });
    const path = join(options.dataDir, MASTER_KEY_FILE);
    key = createKeyFile(path) ?? readKeyFile(path);
  }
  const expected = await options.settings.getSetting(CHECK_SETTING);
  const actual = checkValue(key);
  if (expected === undefined) {
    await options.settings.setSetting(CHECK_SETTING, actual);
  } else if (!timingSafeEqual(Buffer.from(expected, "hex"), Buffer.from(actual, "hex"))) {
    throw invalid(
      "The master key is not the one this store's secrets were encrypted with; start every node with the same NIMBUS_MASTER_KEY",
    );
  }
  return key;
}
