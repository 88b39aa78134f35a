// Temporary credentials from function code: a short-lived token with this function's rights
// scoped down by a session policy, e.g. to hand to a browser for one upload. The function's
// permissions must allow iam:CreateTemporaryCredentials on "credentials".
import { platformRequest } from "./platform-client.ts";

export interface SessionStatement {
  readonly effect?: "allow" | "deny";
  readonly actions: string | readonly string[];
  /** Relative to the app ("bucket/photos/uploads/u1/*"), or full names ("nrn:shop:…"). */
  readonly resources: string | readonly string[];
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface TemporaryCredentials {
  /** Send as 'Authorization: Bearer <token>'. */
  readonly token: string;
  readonly credentialId: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export const credentials = {
  /** Up to one hour for credentials made by a function (15 minutes by default). */
  async temporary(input: {
    statements: readonly SessionStatement[];
    durationSeconds?: number;
  }): Promise<TemporaryCredentials> {
    return platformRequest<TemporaryCredentials>("POST", "/credentials", {
      policy: { statements: input.statements },
      ...(input.durationSeconds === undefined ? {} : { durationSeconds: input.durationSeconds }),
    });
  },
};
