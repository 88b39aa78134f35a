// A Lambda handler answering binary data: API Gateway expects it base64-encoded.
const PNG_1x1 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

exports.handler = async (event) => {
  if (event.pathParameters.path.endsWith(".png")) {
    return {
      statusCode: 200,
      headers: { "content-type": "image/png", "cache-control": "max-age=60" },
      body: PNG_1x1,
      isBase64Encoded: true,
    };
  }
  return { statusCode: 404, body: `no file ${event.pathParameters.path}` };
};
