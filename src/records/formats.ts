import type { GraccRecord } from './gracc-record';
import { recordJsonBytes } from './serialize-json';

export type Format = 'json' | 'xml' | 'raw';
export const FORMATS: readonly Format[] = ['json', 'xml', 'raw'];

export const CONTENT_TYPES: Readonly<Record<Format, string>> = {
  json: 'application/json',
  xml: 'text/xml',
  raw: 'text/xml',
};

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * The record as a standalone XML document: the declarations in scope from its envelope are
 * copied onto its root element, unless the root declares the same name itself.
 */
export function recordToXml(record: GraccRecord): string {
  const raw = record.raw;
  const declaration = raw.startsWith('<?xml') ? '' : XML_DECLARATION;
  const root = ROOT_NAME.exec(raw);
  if (root === null) return declaration + raw;
  const nameEnd = root.index + root[0].length;
  const startTag = raw.slice(nameEnd, raw.indexOf('>', nameEnd));
  let extra = '';
  for (const [attr, uri] of Object.entries(record.inheritedNamespaces)) {
    if (!declaredIn(startTag, attr)) extra += ` ${attr}="${escapeAttribute(uri)}"`;
  }
  return declaration + raw.slice(0, nameEnd) + extra + raw.slice(nameEnd);
}

/**
 * A formatted record as one line of text: JSON records as they are, XML documents (which
 * span lines) as a JSON string. Used by `convert` and the file sink.
 */
export function asLine(body: string, format: Format): string {
  return format === 'json' ? body : JSON.stringify(body);
}

/** The record written in `format`: the body of its message. */
export function formatRecord(record: GraccRecord, format: Format): Buffer {
  switch (format) {
    case 'json': return recordJsonBytes(record);
    case 'xml': return Buffer.from(recordToXml(record));
    case 'raw': return Buffer.from(record.raw);
  }
}

// The start of the root element: the first '<' that opens an element, with its name.
const ROOT_NAME = /<[^\s/>!?]+/;

function declaredIn(startTag: string, attr: string): boolean {
  for (const m of startTag.matchAll(/\s([^\s=]+)\s*=/g)) if (m[1] === attr) return true;
  return false;
}

function escapeAttribute(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
