// Types for the two handler styles, so function code gets editor help without an AWS dependency.

/** The `ctx` of a fetch-style handler (as in Workers). */
export interface ExecutionContext {
  /** Keeps the call open until the promise settles (it is awaited before the call ends). */
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  /** props.authorizer: what the route's authorizer verified (as a Lambda event's requestContext.authorizer). */
  readonly props?: { readonly authorizer?: Record<string, unknown> };
}

export type FetchHandler =
  | ((request: Request, env: Record<string, string>, ctx: ExecutionContext) => Response | Promise<Response>)
  | {
      fetch(
        request: Request,
        env: Record<string, string>,
        ctx: ExecutionContext,
      ): Response | Promise<Response>;
    };

/** API Gateway HTTP API payload format 2.0. */
export interface APIGatewayProxyEventV2 {
  version: "2.0";
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  pathParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
    /**
     * Who the route's authorizer verified, as API Gateway has it: { jwt: { claims, scopes } },
     * { lambda: <context> }, { iam: {…} } or { apiKey: {…} }. Absent on routes without auth.
     */
    authorizer?: Record<string, unknown>;
  };
  body?: string;
  isBase64Encoded: boolean;
}

export type APIGatewayProxyResultV2 =
  | string
  | {
      statusCode?: number;
      headers?: Record<string, string | number | boolean>;
      cookies?: string[];
      body?: string;
      isBase64Encoded?: boolean;
    }
  | Record<string, unknown>;

export interface LambdaContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

export type LambdaHandler<TEvent = APIGatewayProxyEventV2, TResult = APIGatewayProxyResultV2> = (
  event: TEvent,
  context: LambdaContext,
) => Promise<TResult>;
