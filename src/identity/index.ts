// Identity and least privilege: principals, the one authorization point, access keys,
// secrets, function credentials, user pools, route authorizers (see ARCHITECTURE.md).
export { type AccessKeySummary, AccessKeys, type ResolvedAccessKey } from "./access-keys.ts";
export { type AdminKeyCheck, Authenticator } from "./authenticate.ts";
export { Authorizer, accessDenied, type PolicyResolver } from "./authorize.ts";
export { type Explanation, explain } from "./explain.ts";
export {
  type GuardedOperation,
  type Operation,
  type OperationInfo,
  operation,
  principalOf,
  publicOperation,
} from "./http/operation-guard.ts";
export { createIdentity, type Identity, type IdentityOptions } from "./identity.ts";
export {
  type AccessKeyPrincipal,
  type AdminPrincipal,
  type ApiKeyPrincipal,
  type BasePrincipal,
  type FunctionPrincipal,
  type Principal,
  principalApp,
  principalContext,
  principalName,
  type TemporaryPrincipal,
  type UserPrincipal,
} from "./principal.ts";
export {
  type EmailMessage,
  type EmailSender,
  emailSenderFor,
  LogEmailSender,
} from "./user-pools/email-sender.ts";
