// An unmodified AWS Lambda handler for an API Gateway HTTP API (payload format 2.0).
// It would deploy to AWS as it is; Nimbus runs it without changes.
export const handler = async (event, context) => {
  if (event.requestContext.http.method === "POST") {
    const user = JSON.parse(
      event.isBase64Encoded ? Buffer.from(event.body, "base64").toString() : event.body,
    );
    return { statusCode: 201, headers: { location: `/users/${user.id}` }, body: JSON.stringify(user) };
  }
  const session = (event.cookies ?? []).find((cookie) => cookie.startsWith("session="));
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    cookies: [`last-seen=${event.pathParameters.id}; Path=/; HttpOnly`],
    body: JSON.stringify({
      greeting: process.env.GREETING,
      id: event.pathParameters.id,
      fields: event.queryStringParameters?.fields?.split(",") ?? [],
      session: session ? session.slice("session=".length) : null,
      requestId: context.awsRequestId,
      remainingMs: context.getRemainingTimeInMillis() > 0,
    }),
  };
};
