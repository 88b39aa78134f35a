// Names of parameters (plain and secret) in an app's parameter store: path-like, as AWS
// Parameter Store's hierarchies ("db/password", "stripe/api-key").
export const SECRET_NAME = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
export const SECRET_NAME_MAX_LENGTH = 256;
export const SECRET_NAME_RULE = 'letters, digits, "_", "." and "-", in segments separated by "/"';

export function isSecretName(name: string): boolean {
  return name.length <= SECRET_NAME_MAX_LENGTH && SECRET_NAME.test(name);
}
