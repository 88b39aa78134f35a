"""The benchmark's hello world, as a Python Lambda handler."""


def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "Hello, world!"}
