// Each function instance gets its own short-lived token (NIMBUS_TOKEN), scoped to its
// function's permissions (carried in the signed token, so any node can authorize it). The
// token is rotated before it expires (the new one is pushed to the running instance) and stops
// working the moment its instance ends: this node keeps the set of live instances and refuses a
// token whose instance is gone. A token issued by another node of a cluster is accepted until it
// expires (at most the token TTL, 15 minutes by default), since only its node knows whether its
// instance still runs. Without a cluster (SQLite) there is no other node: a token naming
// another node is one of an earlier run of this platform, and is refused.
import { z } from "zod";
import { NimbusError } from "../core/errors.ts";
import type { FunctionDeployment, InstanceCredentialsChannel } from "../runtime/index.ts";
import { functionPrincipal } from "./function-principal.ts";
import type { InstanceCredentialsIssuer } from "./instance-environment.ts";
import type { FunctionPrincipal } from "./principal.ts";
import { signToken, verifyToken } from "./tokens/jwt.ts";
import type { SigningKeyRing } from "./tokens/signing-keys.ts";
import { statementClaim } from "./tokens/statement-claim.ts";

/** Issuer and audience of the tokens Nimbus issues for its own API. */
export const PLATFORM_ISSUER = "nimbus";
export const PLATFORM_AUDIENCE = "nimbus";

/** A new token is pushed when this share of the old one's life has passed. */
const ROTATE_AT_SHARE = 2 / 3;

const functionClaims = z.object({
  token_use: z.literal("function"),
  app: z.string(),
  fn: z.string(),
  ver: z.string(),
  iid: z.string(),
  node: z.string(),
  pol: z.array(statementClaim),
});

interface LiveInstance {
  readonly channel: InstanceCredentialsChannel;
  readonly deployment: FunctionDeployment;
  timer: NodeJS.Timeout | undefined;
}

export class FunctionCredentials implements InstanceCredentialsIssuer {
  readonly #keys: SigningKeyRing;
  readonly #nodeId: string;
  readonly #clustered: boolean;
  readonly #ttlMs: number;
  readonly #live = new Map<string, LiveInstance>();
  readonly #onIssued: ((app: string, functionName: string, token: string) => void) | undefined;

  /** `onIssued` hears every token issued (the masker keeps them out of recorded logs). */
  constructor(
    keys: SigningKeyRing,
    options: {
      nodeId: string;
      /** Whether other nodes share the store: only then are their tokens taken on trust. */
      clustered: boolean;
      ttlMs: number;
      onIssued?: (app: string, functionName: string, token: string) => void;
    },
  ) {
    this.#keys = keys;
    this.#nodeId = options.nodeId;
    this.#clustered = options.clustered;
    this.#ttlMs = options.ttlMs;
    this.#onIssued = options.onIssued;
  }

  async issue(
    channel: InstanceCredentialsChannel,
    deployment: FunctionDeployment,
  ): Promise<Record<string, string>> {
    const live: LiveInstance = { channel, deployment, timer: undefined };
    this.#live.set(channel.id, live);
    try {
      return await this.#renew(live);
    } catch (error) {
      this.#live.delete(channel.id);
      throw error;
    }
  }

  revoke(instanceId: string): void {
    const live = this.#live.get(instanceId);
    clearTimeout(live?.timer);
    this.#live.delete(instanceId);
  }

  stop(): void {
    for (const id of [...this.#live.keys()]) this.revoke(id);
  }

  /** The principal of a function token; CREDENTIALS_INVALID when it is not valid (any more). */
  async verify(token: string): Promise<FunctionPrincipal> {
    const payload = await verifyToken(this.#keys, token, {
      issuer: PLATFORM_ISSUER,
      audience: PLATFORM_AUDIENCE,
    });
    const claims = functionClaims.safeParse(payload);
    if (!claims.success) throw new NimbusError("CREDENTIALS_INVALID", "The token is not a function token");
    const { app, fn, ver, iid, node, pol } = claims.data;
    // Without a cluster, a token of another node is one of a previous run of this platform.
    if ((node === this.#nodeId || !this.#clustered) && !this.#live.has(iid)) {
      throw new NimbusError(
        "CREDENTIALS_INVALID",
        `The token belongs to an instance of ${app}/${fn} that has stopped`,
      );
    }
    return {
      kind: "function",
      app,
      functionName: fn,
      version: ver,
      instanceId: iid,
      policy: { name: `function/${fn}`, statements: pol },
    };
  }

  async #renew(live: LiveInstance): Promise<Record<string, string>> {
    const principal = functionPrincipal(live.deployment, live.channel.id);
    const { token, expiresAt } = await signToken(
      this.#keys,
      {
        token_use: "function",
        app: principal.app,
        fn: principal.functionName,
        ver: principal.version,
        iid: live.channel.id,
        node: this.#nodeId,
        pol: principal.policy.statements as unknown as Record<string, unknown>[],
      },
      {
        issuer: PLATFORM_ISSUER,
        audience: PLATFORM_AUDIENCE,
        subject: `function/${principal.app}/${principal.functionName}`,
        ttlMs: this.#ttlMs,
      },
    );
    this.#onIssued?.(principal.app, principal.functionName, token);
    // Revoked while signing: no timer for an instance that is gone.
    if (this.#live.get(live.channel.id) === live) {
      const delayMs = Math.max(0, (expiresAt - Date.now()) * ROTATE_AT_SHARE);
      live.timer = setTimeout(() => void this.#rotate(live), delayMs).unref();
    }
    return { NIMBUS_TOKEN: token, NIMBUS_TOKEN_EXPIRES_AT: new Date(expiresAt).toISOString() };
  }

  async #rotate(live: LiveInstance): Promise<void> {
    if (this.#live.get(live.channel.id) !== live) return;
    try {
      live.channel.pushCredentials(await this.#renew(live));
    } catch (error) {
      // Signing failed (the store is unreachable for a key rotation): try again soon; the
      // instance keeps its current token until then.
      console.error(
        `nimbus: could not rotate the token of an instance of ${live.deployment.config.name}:`,
        error,
      );
      live.timer = setTimeout(() => void this.#rotate(live), 1_000).unref();
    }
  }
}
