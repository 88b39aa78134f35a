// Who is asking. Every request Nimbus authorizes is made by one of these; `authorize` turns
// a principal into its policies (see authorize.ts).
import type { Policy, RequestContext } from "../core/policy/index.ts";

/** Holds the admin key: may do everything (the root of a self-hosted platform). */
export interface AdminPrincipal {
  readonly kind: "admin";
}

/** A Nimbus access key (id + secret), bound to its own policy. */
export interface AccessKeyPrincipal {
  readonly kind: "access-key";
  readonly accessKeyId: string;
  readonly name: string;
  readonly policy: Policy;
}

/** A function instance, through its token: its role is the function's `permissions`. */
export interface FunctionPrincipal {
  readonly kind: "function";
  readonly app: string;
  readonly functionName: string;
  readonly version: string;
  /** The instance the token was issued to (undefined for credentials derived from it). */
  readonly instanceId: string | undefined;
  /** The function's permissions, carried in its signed token. */
  readonly policy: Policy;
}

/** An end user of an app's user pool, through an access token. */
export interface UserPrincipal {
  readonly kind: "user";
  readonly app: string;
  readonly userId: string;
  readonly username: string;
  readonly groups: readonly string[];
}

/** A caller of an `auth: apiKey` route. API keys identify and meter; they grant nothing else. */
export interface ApiKeyPrincipal {
  readonly kind: "api-key";
  readonly app: string;
  readonly apiKeyId: string;
  readonly name: string;
}

export type BasePrincipal =
  | AdminPrincipal
  | AccessKeyPrincipal
  | FunctionPrincipal
  | UserPrincipal
  | ApiKeyPrincipal;

/** Short-lived credentials scoped down from a parent's rights by session policies. */
export interface TemporaryPrincipal {
  readonly kind: "temporary";
  readonly parent: BasePrincipal;
  /** Each must allow too (credentials made from temporary ones add their policy to the list). */
  readonly sessionPolicies: readonly Policy[];
  readonly credentialId: string;
  readonly expiresAt: number;
}

export type Principal = BasePrincipal | TemporaryPrincipal;

/** How decisions and errors name a principal: "function/shop/api", "user/shop/ada". */
export function principalName(principal: Principal): string {
  switch (principal.kind) {
    case "admin":
      return "admin";
    case "access-key":
      return `accesskey/${principal.accessKeyId}`;
    case "function":
      return `function/${principal.app}/${principal.functionName}`;
    case "user":
      return `user/${principal.app}/${principal.username}`;
    case "api-key":
      return `apikey/${principal.app}/${principal.apiKeyId}`;
    case "temporary":
      return `temporary/${principal.credentialId} (from ${principalName(principal.parent)})`;
  }
}

/** The app a principal belongs to, if any. */
export function principalApp(principal: Principal): string | undefined {
  const base = principal.kind === "temporary" ? principal.parent : principal;
  return "app" in base ? base.app : undefined;
}

/**
 * The principal's keys in the request context, for conditions and ${…} variables:
 * principal.type, principal.id, principal.app, principal.userId, principal.username,
 * principal.groups, principal.function.
 */
export function principalContext(principal: Principal): RequestContext {
  const base = principal.kind === "temporary" ? principal.parent : principal;
  const context: Record<string, string | readonly string[]> = {
    "principal.type": principal.kind === "temporary" ? `temporary:${base.kind}` : base.kind,
    "principal.id": principalName(base),
  };
  switch (base.kind) {
    case "access-key":
      context["principal.accessKeyId"] = base.accessKeyId;
      break;
    case "function":
      context["principal.app"] = base.app;
      context["principal.function"] = base.functionName;
      break;
    case "user":
      context["principal.app"] = base.app;
      context["principal.userId"] = base.userId;
      context["principal.username"] = base.username;
      context["principal.groups"] = base.groups;
      break;
    case "api-key":
      context["principal.app"] = base.app;
      context["principal.apiKeyId"] = base.apiKeyId;
      break;
    case "admin":
      break;
  }
  return context;
}
