// The CLI's own credentials file (like ~/.aws/credentials): admin keys by server URL and
// by data directory, mode 0600. The server itself stores only the key's hash.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

interface CredentialsFile {
  servers: Record<string, string>;
  dataDirs: Record<string, string>;
}

export function credentialsPath(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "nimbus", "credentials.json");
}

function read(): CredentialsFile {
  const path = credentialsPath();
  if (!existsSync(path)) return { servers: {}, dataDirs: {} };
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<CredentialsFile>;
    return { servers: parsed.servers ?? {}, dataDirs: parsed.dataDirs ?? {} };
  } catch {
    return { servers: {}, dataDirs: {} };
  }
}

function write(file: CredentialsFile): void {
  const path = credentialsPath();
  mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

export function keyForServer(url: string): string | undefined {
  return read().servers[url];
}

/** Remembers the key of a local server: by its data dir (stable) and its current URL. */
export function rememberServer(dataDir: string, url: string, key: string | undefined): void {
  const file = read();
  const known = key ?? file.dataDirs[dataDir];
  if (!known) return;
  file.dataDirs[dataDir] = known;
  file.servers[url] = known;
  write(file);
}
