// DeleteObjects: up to 1000 keys in one <Delete> body. The keys are read before authorization
// (they are the resources), and the caller needs DeleteObject on every one of them: a single
// refused key refuses the request (AccessDenied), where S3 would report it per key.
import { NimbusError } from "../../../core/errors.ts";
import type { BucketService } from "../bucket-service.ts";
import { readSmallBody } from "./request-body.ts";
import { toS3Error } from "./s3-errors.ts";
import { bucketOf, objectResource, type S3Request } from "./s3-request.ts";
import { sendXml } from "./s3-responses.ts";
import { type XmlNode, xmlDocument, xmlItems, xmlText } from "./s3-xml.ts";

const MAX_KEYS = 1000;
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface DeleteRequest {
  readonly keys: readonly string[];
  readonly quiet: boolean;
}

function malformed(message: string): NimbusError {
  return new NimbusError("BUCKET_REQUEST_INVALID", message, { details: { s3Code: "MalformedXML" } });
}

export async function readDeleteRequest(request: S3Request): Promise<DeleteRequest> {
  const xml = await readSmallBody(request.req, request.caller, MAX_BODY_BYTES);
  const keys = xmlItems(xml, "Delete", "Object").map((object) => {
    const key = xmlText(object, "Key");
    if (key === undefined || key === "") throw malformed("Every <Object> of a <Delete> needs a <Key>");
    return key;
  });
  if (keys.length === 0 || keys.length > MAX_KEYS)
    throw malformed(`A <Delete> names 1 to ${MAX_KEYS} objects, not ${keys.length}`);
  return { keys, quiet: xmlText(xml, "Quiet")?.trim() === "true" };
}

export function deleteObjectsResources(request: S3Request, prepared: DeleteRequest): string[] {
  return prepared.keys.map((key) => objectResource(request, bucketOf(request), key));
}

export async function deleteObjects(
  request: S3Request,
  prepared: DeleteRequest,
  deps: { buckets: BucketService },
): Promise<void> {
  const results: XmlNode[] = [];
  for (const key of prepared.keys) {
    try {
      await deps.buckets.deleteObject(request.app, bucketOf(request), key);
      if (!prepared.quiet) results.push(["Deleted", [["Key", key]]]);
    } catch (error) {
      const failure = toS3Error(error);
      if (failure === undefined) throw error;
      results.push([
        "Error",
        [
          ["Key", key],
          ["Code", failure.s3Code],
          ["Message", failure.message],
        ],
      ]);
    }
  }
  sendXml(request, xmlDocument("DeleteResult", results));
}
