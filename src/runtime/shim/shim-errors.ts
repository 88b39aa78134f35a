// Errors raised inside an instance that the shim reports with a specific code.
// (This folder runs inside function processes: it must not import server code.)

/** The handler's export is missing or is not something Nimbus can call. */
export class HandlerNotFoundError extends Error {
  override readonly name = "HandlerNotFoundError";
}

/** The handler answered something that is not a valid response for its style. */
export class ResponseInvalidError extends Error {
  override readonly name = "ResponseInvalidError";
}
