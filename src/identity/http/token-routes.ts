// The public keys of every token Nimbus signs (JWKS), and key rotation.
import type { FastifyInstance } from "fastify";
import { platformResource } from "../../core/policy/index.ts";
import type { SigningKeyRing } from "../tokens/signing-keys.ts";
import { operation, publicOperation } from "./operation-guard.ts";

export function registerTokenRoutes(
  app: FastifyInstance,
  prefix: string,
  deps: { keys: SigningKeyRing },
): void {
  app.get(
    `${prefix}/.well-known/jwks.json`,
    { config: publicOperation("public keys, for anyone verifying Nimbus tokens") },
    async (_request, reply) => reply.header("cache-control", "public, max-age=300").send(deps.keys.jwks()),
  );

  app.post(
    `${prefix}/iam/signing-keys/rotate`,
    { config: operation("iam:RotateSigningKeys", () => platformResource("iam")) },
    async () => {
      await deps.keys.rotate();
      return deps.keys.jwks();
    },
  );
}
