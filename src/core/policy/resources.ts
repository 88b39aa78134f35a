// Nimbus resource names (NRNs), the resources policies talk about:
//   nrn:<app>:<type>/<path>   something of one app: nrn:shop:table/orders, nrn:shop:function/api,
//                             nrn:shop:bucket/photos/uploads/a.jpg; nrn:shop:app is the app itself
//   nrn::<type>/<id>          something of the platform: nrn::accesskey/NAK…, nrn::iam
// Policies written in a manifest name resources relative to their app ("table/orders", "*"),
// so an app's functions and users can never be granted another app's resources.

export const NRN_PREFIX = "nrn:";

/** "nrn:shop:secret/db-password" for ("shop", "secret/db-password"). */
export function appResource(app: string, path: string): string {
  return `${NRN_PREFIX}${app}:${path}`;
}

/** "nrn::accesskey/NAK…" for ("accesskey/NAK…"). */
export function platformResource(path: string): string {
  return `${NRN_PREFIX}:${path}`;
}

/** Why a resource pattern written in a manifest is wrong, or undefined when it is fine. */
export function relativeResourceProblem(pattern: string): string | undefined {
  if (pattern.startsWith(NRN_PREFIX)) {
    return `"${pattern}": resources in nimbus.yaml are relative to the app ("table/orders", "secret/*", "*"); another app's resources cannot be granted`;
  }
  if (pattern.trim() === "" || /\s/.test(pattern)) return `"${pattern}" is not a resource name`;
  return undefined;
}

/** A relative pattern from a manifest, made absolute within its app. */
export function qualifyResource(app: string, pattern: string): string {
  return appResource(app, pattern);
}

/** The app of an app resource ("shop" of "nrn:shop:table/orders"), undefined for platform ones. */
export function appOfResource(resource: string): string | undefined {
  if (!resource.startsWith(NRN_PREFIX)) return undefined;
  const end = resource.indexOf(":", NRN_PREFIX.length);
  const app = end === -1 ? "" : resource.slice(NRN_PREFIX.length, end);
  return app === "" ? undefined : app;
}
