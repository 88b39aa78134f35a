// The little XML the S3 API needs: answers are written from plain values (escaped), and the
// three request bodies it reads (CreateBucketConfiguration, Delete, CompleteMultipartUpload)
// are flat lists of simple elements, read with a strict scanner rather than a parser library.
import { NimbusError } from "../../../core/errors.ts";

export const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** A value, a nested list of elements, or nothing (the element is left out). */
export type XmlValue = string | number | boolean | undefined | XmlNode[];
export type XmlNode = readonly [name: string, value: XmlValue];

function render(nodes: readonly XmlNode[]): string {
  let out = "";
  for (const [name, value] of nodes) {
    if (value === undefined) continue;
    const inner = Array.isArray(value) ? render(value) : escapeXml(String(value));
    out += `<${name}>${inner}</${name}>`;
  }
  return out;
}

/** A whole answer document: `<Root xmlns="…">…</Root>`. */
export function xmlDocument(root: string, children: readonly XmlNode[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_NAMESPACE}">${render(children)}</${root}>`;
}

/** The error document S3 answers with (no namespace, as S3 writes it). */
export function errorDocument(fields: readonly XmlNode[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${render(fields)}</Error>`;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_whole, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number(entity.slice(1)));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[entity] as string;
  });
}

function malformed(what: string): NimbusError {
  return new NimbusError("BUCKET_REQUEST_INVALID", `The XML body is not a well-formed ${what}`, {
    details: { s3Code: "MalformedXML" },
  });
}

/** The bodies of the `<item>` elements directly inside `<root>` (a flat document). */
export function xmlItems(xml: string, root: string, item: string): string[] {
  const body = new RegExp(`<${root}(?:\\s[^>]*)?>([\\s\\S]*)</${root}>`).exec(
    xml.replace(/<\?xml[^>]*\?>/, ""),
  );
  if (body === null) throw malformed(root);
  const items: string[] = [];
  const pattern = new RegExp(`<${item}(?:\\s[^>]*)?>([\\s\\S]*?)</${item}>`, "g");
  for (const match of (body[1] as string).matchAll(pattern)) items.push(match[1] as string);
  return items;
}

/** The text of the first `<name>` element in `xml`, entities decoded; undefined when absent. */
export function xmlText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>|<${name}\\s*/>`).exec(xml);
  if (match === null) return undefined;
  return decodeEntities(match[1] ?? "");
}
