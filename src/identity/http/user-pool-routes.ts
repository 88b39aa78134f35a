// What an app's end users call, under /apps/:app/userpool/: sign-up, sign-in and the rest of
// the account flows, and the pool's public keys. These need no platform credentials — each
// checks its own (password, code, refresh token) — so they are declared public.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { SigningKeyRing } from "../tokens/signing-keys.ts";
import type { UserPools } from "../user-pools/user-pool-service.ts";
import type { UserTokens } from "../user-pools/user-tokens.ts";
import { publicOperation } from "./operation-guard.ts";
import { parseBody } from "./parse-body.ts";

const text = (max: number) => z.string().min(1).max(max);
const username = text(128);
const password = text(1024);
const code = text(16);
const refreshToken = text(512);

const bodies = {
  signUp: z.strictObject({ username, password, email: text(254) }),
  confirmSignUp: z.strictObject({ username, code }),
  username: z.strictObject({ username }),
  signIn: z.strictObject({ username, password }),
  refresh: z.strictObject({ refreshToken }),
  signOut: z.strictObject({ refreshToken, everywhere: z.boolean().optional() }),
  confirmForgotPassword: z.strictObject({ username, code, password }),
};

function appOf(request: FastifyRequest): string {
  return (request.params as { app?: string }).app ?? "";
}

const ACCOUNT = publicOperation("an end user's own account flow; checks its own credentials");

export function registerUserPoolRoutes(
  app: FastifyInstance,
  prefix: string,
  deps: { pools: UserPools; tokens: UserTokens; keys: SigningKeyRing },
): void {
  const base = `${prefix}/apps/:app/userpool`;
  const { pools } = deps;

  app.post(`${base}/sign-up`, { config: ACCOUNT }, async (request, reply) =>
    reply
      .code(201)
      .send(await pools.signUp(appOf(request), parseBody(bodies.signUp, request.body, "sign-up"))),
  );
  app.post(`${base}/confirm-sign-up`, { config: ACCOUNT }, async (request) => {
    await pools.confirmSignUp(appOf(request), parseBody(bodies.confirmSignUp, request.body, "confirmation"));
    return { confirmed: true };
  });
  app.post(`${base}/resend-code`, { config: ACCOUNT }, async (request) => {
    await pools.resendCode(appOf(request), parseBody(bodies.username, request.body, "request"));
    return { sent: "if the user exists and is unconfirmed" };
  });
  app.post(`${base}/sign-in`, { config: ACCOUNT }, async (request) =>
    pools.signIn(appOf(request), parseBody(bodies.signIn, request.body, "sign-in")),
  );
  app.post(`${base}/refresh`, { config: ACCOUNT }, async (request) =>
    pools.refresh(appOf(request), parseBody(bodies.refresh, request.body, "refresh")),
  );
  app.post(`${base}/sign-out`, { config: ACCOUNT }, async (request, reply) => {
    await pools.signOut(appOf(request), parseBody(bodies.signOut, request.body, "sign-out"));
    return reply.code(204).send();
  });
  app.post(`${base}/forgot-password`, { config: ACCOUNT }, async (request) => {
    await pools.forgotPassword(appOf(request), parseBody(bodies.username, request.body, "request"));
    return { sent: "if the user exists and has an email address" };
  });
  app.post(`${base}/confirm-forgot-password`, { config: ACCOUNT }, async (request) => {
    await pools.confirmForgotPassword(
      appOf(request),
      parseBody(bodies.confirmForgotPassword, request.body, "password reset"),
    );
    return { reset: true };
  });

  app.get(
    `${base}/.well-known/jwks.json`,
    { config: publicOperation("the pool's public keys, for anyone verifying its tokens") },
    async (request, reply) => {
      await pools.pool(appOf(request));
      return reply.header("cache-control", "public, max-age=300").send(deps.keys.jwks());
    },
  );
  app.get(
    `${base}/.well-known/openid-configuration`,
    { config: publicOperation("OIDC discovery of the pool's issuer and keys, for token verifiers") },
    async (request) => {
      await pools.pool(appOf(request));
      const issuer = deps.tokens.issuerOf(appOf(request));
      return {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        id_token_signing_alg_values_supported: ["ES256"],
        subject_types_supported: ["public"],
        response_types_supported: ["token"],
        claims_supported: ["sub", "username", "email", "email_verified", "groups", "scope", "token_use"],
      };
    },
  );
}
