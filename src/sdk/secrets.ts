// Reading the app's parameter store from function code. The function's permissions must allow
// secrets:GetSecret on the parameter (resource "secret/<name>").
import { currentApp, encodePath, platformRequest } from "./platform-client.ts";

export interface Parameter {
  readonly name: string;
  readonly type: "plain" | "secret";
  readonly version: number;
  readonly createdAt: number;
  readonly value: string;
}

export const secrets = {
  /** The parameter with its metadata; the latest version unless one is given. */
  async getParameter(name: string, options: { version?: number } = {}): Promise<Parameter> {
    const query = options.version === undefined ? "" : `?version=${options.version}`;
    return platformRequest<Parameter>(
      "GET",
      `/apps/${encodeURIComponent(currentApp())}/secrets/${encodePath(name)}${query}`,
    );
  },

  /** Just the value. */
  async get(name: string, options: { version?: number } = {}): Promise<string> {
    return (await secrets.getParameter(name, options)).value;
  },
};
