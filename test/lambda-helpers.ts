// The official AWS SDK's Lambda client, pointed at a test platform's Invoke API for one app.
import { LambdaClient } from "@aws-sdk/client-lambda";
import type { TestPlatform } from "../src/testing/index.ts";
import { createAccessKey } from "./identity-helpers.ts";

export function lambdaClient(
  nimbus: TestPlatform,
  app: string,
  key: { accessKeyId: string; secretAccessKey: string },
): LambdaClient {
  return new LambdaClient({
    endpoint: `${nimbus.url}/_nimbus/lambda/${app}`,
    region: "local",
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    maxAttempts: 1,
  });
}

/** A client whose access key may invoke every function of the app. */
export async function invokingLambdaClient(nimbus: TestPlatform, app: string): Promise<LambdaClient> {
  const key = await createAccessKey(nimbus, "sdk", [
    { effect: "allow", actions: ["functions:Invoke"], resources: [`nrn:${app}:function/*`] },
  ]);
  return lambdaClient(nimbus, app, key);
}
