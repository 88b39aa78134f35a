// The Lambda Invoke API (see invoke-api.ts).
export {
  createInvokeApi,
  type EnqueueAsync,
  type InvokeApiOptions,
  LAMBDA_API_PREFIX,
} from "./invoke-api.ts";
