// The FunctionName of the Lambda Invoke API, in each form Lambda accepts — a name
// ("api"), a name with a qualifier ("api:live"), a partial ARN ("000000000000:function:api"),
// a full ARN ("arn:aws:lambda:local:000000000000:function:api:7") — and the Qualifier query
// parameter, which must agree with a qualifier in the name (as Lambda requires).

export interface FunctionTarget {
  readonly functionName: string;
  /** "$LATEST", a version number or an alias name; undefined: unqualified. */
  readonly qualifier: string | undefined;
}

export type FunctionTargetResult =
  | { readonly ok: true; readonly value: FunctionTarget }
  | { readonly ok: false; readonly message: string };

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const QUALIFIER = /^(\$LATEST|[A-Za-z0-9_-]{1,128})$/;
const FULL_ARN = /^arn:[A-Za-z-]*:lambda:[^:]*:[^:]*:function:(.+)$/;
const PARTIAL_ARN = /^[0-9]{1,12}:function:(.+)$/;

export function parseFunctionTarget(raw: string, queryQualifier: string | undefined): FunctionTargetResult {
  const rest = FULL_ARN.exec(raw)?.[1] ?? PARTIAL_ARN.exec(raw)?.[1] ?? raw;
  const colon = rest.indexOf(":");
  const functionName = colon === -1 ? rest : rest.slice(0, colon);
  const fromName = colon === -1 ? undefined : rest.slice(colon + 1);
  if (!NAME.test(functionName)) {
    return { ok: false, message: `"${raw}" is not a function name, name:qualifier or function ARN` };
  }
  if (fromName !== undefined && queryQualifier !== undefined && fromName !== queryQualifier) {
    return {
      ok: false,
      message: `The derived qualifier from the function name ("${fromName}") does not match the specified qualifier ("${queryQualifier}")`,
    };
  }
  const qualifier = fromName ?? queryQualifier;
  if (qualifier !== undefined && !QUALIFIER.test(qualifier)) {
    return { ok: false, message: `"${qualifier}" is not a version number, alias name or $LATEST` };
  }
  return { ok: true, value: { functionName, qualifier } };
}
