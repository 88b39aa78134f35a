# The handlers: each receives the event (API Gateway HTTP API v2 JSON) as $1 and prints the
# response: a JSON object with statusCode, headers and body, as a Lambda handler returns.
# Lines written to stderr are the function's logs, attributed to the call in flight.
# (sed instead of jq, so the example needs nothing beyond bash and curl.)

handler() {
  local event="$1"
  local name
  # GET /greet/{name}: a path parameter.
  name="$(printf '%s' "$event" | sed -n 's/.*"pathParameters":{"name":"\([^"]*\)".*/\1/p')"
  if [ -z "$name" ]; then
    # POST /greet with {"name":"…"}: JSON text inside the event's "body" string.
    name="$(printf '%s' "$event" | sed -n 's/.*\\"name\\":\\"\([^\\"]*\)\\".*/\1/p')"
  fi
  name="${name:-stranger}"
  echo "greeting ${name} from bash ${BASH_VERSION}" >&2
  printf '{"statusCode":200,"headers":{"content-type":"application/json","x-runtime":"bash"},'
  printf '"body":"{\\"message\\":\\"Hello, %s!\\",\\"runtime\\":\\"bash\\"}"}' "$name"
}

process_jobs() {
  # A batch of the "jobs" queue, as an SQS event: {"Records":[{"messageId":…,"body":…},…]}.
  local bodies
  bodies="$(printf '%s' "$1" | grep -o '"body":"[^"]*"' | cut -d'"' -f4 | tr '\n' ' ')"
  echo "jobs: ${bodies}" >&2
  printf '{"batchItemFailures":[]}'
}
