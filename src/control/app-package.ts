// What a deploy carries from the client to the server: the manifest as written (the
// server validates it again, it never trusts a client's parse) and each function's bundle.
import { z } from "zod";

export interface FunctionBundle {
  readonly code: Uint8Array;
  readonly sourceMap: Uint8Array | undefined;
}

export interface AppPackage {
  readonly manifestText: string;
  /** Shown in manifest errors: "nimbus.yaml". */
  readonly manifestFile: string;
  readonly bundles: Readonly<Record<string, FunctionBundle>>;
}

const base64 = z.base64();

/** The JSON body of POST /_nimbus/deployments. */
export const deployRequestSchema = z.strictObject({
  manifest: z.string().min(1),
  manifestFile: z.string().optional(),
  bundles: z.record(z.string(), z.strictObject({ code: base64, sourceMap: base64.optional() })),
  dryRun: z.boolean().optional(),
});
export type DeployRequest = z.infer<typeof deployRequestSchema>;

export function packageToRequest(pkg: AppPackage, dryRun = false): DeployRequest {
  const bundles: DeployRequest["bundles"] = {};
  for (const [name, bundle] of Object.entries(pkg.bundles)) {
    bundles[name] = {
      code: Buffer.from(bundle.code).toString("base64"),
      ...(bundle.sourceMap ? { sourceMap: Buffer.from(bundle.sourceMap).toString("base64") } : {}),
    };
  }
  return { manifest: pkg.manifestText, manifestFile: pkg.manifestFile, bundles, dryRun };
}

export function requestToPackage(request: DeployRequest): AppPackage {
  const bundles: Record<string, FunctionBundle> = {};
  for (const [name, bundle] of Object.entries(request.bundles)) {
    bundles[name] = {
      code: Buffer.from(bundle.code, "base64"),
      sourceMap: bundle.sourceMap ? Buffer.from(bundle.sourceMap, "base64") : undefined,
    };
  }
  return { manifestText: request.manifest, manifestFile: request.manifestFile ?? "nimbus.yaml", bundles };
}
