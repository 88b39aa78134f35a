// CloudEvents 1.0: the envelope of every event inside Nimbus. Events arrive from outside in HTTP
// binary mode (ce-* headers, the body is the data) or structured mode (the whole event as
// application/cloudevents+json); both become one CloudEvent value, checked against the spec's
// required attributes. Pure: no I/O.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { NimbusError } from "../errors.ts";

export const STRUCTURED_CONTENT_TYPE = "application/cloudevents+json";
/** Topics take events up to this size (data plus attributes), as EventBridge does. */
export const MAX_EVENT_BYTES = 256 * 1024;

const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;

export interface CloudEvent {
  readonly specversion: "1.0";
  readonly id: string;
  /** A URI-reference naming the producer: "/apps/shop/orders-api". */
  readonly source: string;
  /** Reverse-DNS-like: "order.created". */
  readonly type: string;
  readonly time: string;
  readonly subject?: string;
  readonly datacontenttype?: string;
  readonly dataschema?: string;
  /** JSON data (parsed), or text for non-JSON content types. */
  readonly data?: unknown;
  /** Extension attributes (lower-case names, string values). */
  readonly extensions?: Readonly<Record<string, string>>;
}

const structuredSchema = z
  .object({
    specversion: z.literal("1.0", { message: 'specversion must be "1.0"' }),
    id: z.string().min(1, "id is required"),
    source: z.string().min(1, "source is required (a URI-reference)"),
    type: z.string().min(1, "type is required"),
    time: z.iso.datetime({ offset: true, message: "time must be an RFC 3339 timestamp" }).optional(),
    subject: z.string().min(1).optional(),
    datacontenttype: z.string().min(1).optional(),
    dataschema: z.string().min(1).optional(),
    data: z.unknown().optional(),
    data_base64: z.string().optional(),
  })
  .catchall(z.union([z.string(), z.number(), z.boolean()]));

const KNOWN = new Set([
  "specversion",
  "id",
  "source",
  "type",
  "time",
  "subject",
  "datacontenttype",
  "dataschema",
  "data",
  "data_base64",
]);

function invalid(message: string, problems?: string[]): NimbusError {
  return new NimbusError("EVENT_INVALID", message, problems ? { details: { problems } } : {});
}

function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "application/json" || type.endsWith("+json") || type === "text/json";
}

/** Checks the attributes every event needs and fills `time` when the producer left it out. */
export function toCloudEvent(input: unknown): CloudEvent {
  const result = structuredSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".") || "event"}: ${issue.message}`,
    );
    throw invalid(`Invalid CloudEvent: ${problems.join("; ")}`, problems);
  }
  const {
    specversion,
    id,
    source,
    type,
    time,
    subject,
    datacontenttype,
    dataschema,
    data,
    data_base64,
    ...rest
  } = result.data;
  const extensions: Record<string, string> = {};
  for (const [name, value] of Object.entries(rest)) {
    if (KNOWN.has(name)) continue;
    if (!ATTRIBUTE_NAME.test(name)) {
      throw invalid(
        `Invalid CloudEvent: extension attribute "${name}" must be 1 to 20 lower-case letters or digits`,
      );
    }
    extensions[name] = String(value);
  }
  return {
    specversion,
    id,
    source,
    type,
    time: time ?? new Date().toISOString(),
    ...(subject === undefined ? {} : { subject }),
    ...(datacontenttype === undefined ? {} : { datacontenttype }),
    ...(dataschema === undefined ? {} : { dataschema }),
    ...(data === undefined && data_base64 === undefined
      ? {}
      : { data: data ?? Buffer.from(data_base64 as string, "base64").toString("utf8") }),
    ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
  };
}

/** Structured mode: the body is the whole event as JSON. */
export function fromStructured(body: Uint8Array): CloudEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch {
    throw invalid(`A ${STRUCTURED_CONTENT_TYPE} body must be one JSON object (the event)`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalid(
      `A ${STRUCTURED_CONTENT_TYPE} body must be one JSON object (the event); batches are not accepted`,
    );
  }
  return toCloudEvent(parsed);
}

/** Binary mode: attributes in ce-* headers, the body is the data in its content type. */
export function fromBinary(
  headers: Readonly<Record<string, string | undefined>>,
  body: Uint8Array,
): CloudEvent {
  const attributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !name.toLowerCase().startsWith("ce-")) continue;
    attributes[name.slice(3).toLowerCase()] = decodeURIComponent(value);
  }
  if (Object.keys(attributes).length === 0) {
    throw invalid(
      `Send the event in binary mode (ce-specversion, ce-id, ce-source, ce-type headers) or structured mode (content-type ${STRUCTURED_CONTENT_TYPE})`,
    );
  }
  const contentType = headers["content-type"];
  if (contentType !== undefined) attributes.datacontenttype = contentType;
  if (body.byteLength > 0) {
    const text = Buffer.from(body).toString("utf8");
    if (isJsonType(contentType)) {
      try {
        attributes.data = JSON.parse(text);
      } catch {
        throw invalid(
          `The body is not valid JSON, but the content type is ${contentType ?? "JSON (none given)"}`,
        );
      }
    } else attributes.data = text;
  }
  return toCloudEvent(attributes);
}

/**
 * Either mode, by content type. A plain JSON body without any ce-* header is read as a
 * structured event too (what HTTP clients that cannot set the content type send).
 */
export function fromHttp(
  headers: Readonly<Record<string, string | undefined>>,
  body: Uint8Array,
): CloudEvent {
  const contentType = headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  const hasAttributes = Object.keys(headers).some((name) => name.toLowerCase().startsWith("ce-"));
  const structured =
    contentType === STRUCTURED_CONTENT_TYPE || (!hasAttributes && contentType === "application/json");
  const event = structured ? fromStructured(body) : fromBinary(headers, body);
  const size = Buffer.byteLength(JSON.stringify(event));
  if (size > MAX_EVENT_BYTES) {
    throw new NimbusError(
      "EVENT_TOO_LARGE",
      `The event is ${size} bytes; at most ${MAX_EVENT_BYTES} are accepted`,
    );
  }
  return event;
}

/** A new event from inside Nimbus (a publish from the CLI or the SDK). */
export function newCloudEvent(
  input: Omit<CloudEvent, "specversion" | "id" | "time"> & { id?: string; time?: string },
): CloudEvent {
  const { extensions, ...attributes } = input;
  return toCloudEvent({ specversion: "1.0", id: randomUUID(), ...extensions, ...attributes });
}

/** Binary-mode headers and body, as fetch-style functions receive an event. */
export function toBinary(event: CloudEvent): { headers: [string, string][]; body: Uint8Array } {
  const headers: [string, string][] = [
    ["ce-specversion", event.specversion],
    ["ce-id", event.id],
    ["ce-source", event.source],
    ["ce-type", event.type],
    ["ce-time", event.time],
  ];
  if (event.subject !== undefined) headers.push(["ce-subject", event.subject]);
  if (event.dataschema !== undefined) headers.push(["ce-dataschema", event.dataschema]);
  for (const [name, value] of Object.entries(event.extensions ?? {})) headers.push([`ce-${name}`, value]);
  const json = isJsonType(event.datacontenttype);
  headers.push(["content-type", event.datacontenttype ?? "application/json"]);
  const body = event.data === undefined ? "" : json ? JSON.stringify(event.data) : String(event.data);
  return { headers, body: Buffer.from(body) };
}

/** The event as EventBridge delivers it to Lambda-style handlers. */
export function toEventBridge(event: CloudEvent, region = "local") {
  return {
    version: "0",
    id: event.id,
    "detail-type": event.type,
    source: event.source,
    account: "000000000000",
    time: event.time,
    region,
    resources: event.subject === undefined ? [] : [event.subject],
    detail: event.data ?? {},
  };
}
