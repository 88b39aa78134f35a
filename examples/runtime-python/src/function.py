"""An HTTP API in plain Python: API Gateway v2 events in, {statusCode, headers, body} out.

What it prints goes to the function's logs, attributed to the call in flight.
"""
import json
import os
import platform

NOTES = {}


def respond(status, body):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", "x-runtime": "python"},
        "body": json.dumps(body),
    }


def handler(event, context):
    route = event["routeKey"]
    print(f"{route} as request {context.aws_request_id}", flush=True)
    if route == "POST /notes":
        note = json.loads(event.get("body") or "{}")
        if "text" not in note:
            raise ValueError("a note needs a text")
        note_id = str(len(NOTES) + 1)
        NOTES[note_id] = note["text"]
        return respond(201, {"id": note_id, "text": note["text"]})
    if route == "GET /notes/{id}":
        note_id = event["pathParameters"]["id"]
        if note_id not in NOTES:
            return respond(404, {"error": f"no note {note_id}"})
        return respond(200, {"id": note_id, "text": NOTES[note_id]})
    return respond(200, {
        "greeting": os.environ.get("GREETING"),
        "python": platform.python_version(),
        "function": context.function_name,
        "arn": context.invoked_function_arn,
        "remainingMs": context.get_remaining_time_in_millis(),
    })


def worker(event, context):
    """Queue batches arrive as SQS events; a job whose body is "fail" is reported as failed."""
    failures = []
    for record in event["Records"]:
        print(f"job {record['messageId']}: {record['body']}", flush=True)
        if record["body"] == "fail":
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
