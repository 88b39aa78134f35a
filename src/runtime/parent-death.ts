// The shim exits when its IPC channel closes, but only if its event loop runs: a function
// stuck in a synchronous loop when the server is killed with -9 would never notice. On
// Linux the kernel can do it instead: PR_SET_PDEATHSIG, set by util-linux `setpriv` before
// it execs Node (the setting survives exec), SIGKILLs the instance when the server dies.
// Where setpriv is missing the IPC rule alone applies.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const CANDIDATES = ["/usr/bin/setpriv", "/bin/setpriv", "/usr/local/bin/setpriv"];

let prefix: readonly string[] | undefined;

/**
 * The command words to put before `node …` so the process dies with the server, or an
 * empty list when this system cannot. Probed once (a ~2 ms spawn) and remembered.
 */
export function parentDeathPrefix(): readonly string[] {
  if (prefix !== undefined) return prefix;
  prefix = [];
  for (const path of CANDIDATES) {
    if (!existsSync(path)) continue;
    const words = [path, "--pdeathsig", "KILL", "--"];
    const probe = spawnSync(path, [...words.slice(1), process.execPath, "-e", ""], {
      env: {},
      stdio: "ignore",
    });
    if (probe.status === 0) prefix = words;
    break;
  }
  return prefix;
}
