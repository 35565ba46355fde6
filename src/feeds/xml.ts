/**
 * Characters XML 1.0 forbids even when escaped (C0 controls but tab and line breaks, lone
 * surrogates, U+FFFE and U+FFFF). Stored text already refuses most of them, but sanitised HTML
 * and imports may still carry some, and one of them makes the whole document unreadable.
 */
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export const stripInvalidXml = (s: string) => s.replace(INVALID_XML, '');

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Text or an attribute value, escaped for XML. `>` is escaped too so that `]]>` never appears in
 * character data; we never use CDATA, so nothing else can end a section early.
 */
export const escapeXml = (s: string) => stripInvalidXml(s).replace(/[&<>"']/g, (c) => ENTITIES[c]!);

type Attrs = Record<string, string | undefined>;

const attrs = (a: Attrs) =>
  Object.entries(a)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');

/** `<name a="…">text</name>`, or nothing when the text is null/undefined. */
export function el(name: string, text: string | null | undefined, a: Attrs = {}): string {
  if (text === null || text === undefined) return '';
  return `<${name}${attrs(a)}>${escapeXml(text)}</${name}>`;
}

/** An element wrapping children that are already XML. */
export const wrap = (name: string, children: string[], a: Attrs = {}) => `<${name}${attrs(a)}>${children.join('')}</${name}>`;

/** An empty element: `<name a="…"/>`. */
export const empty = (name: string, a: Attrs) => `<${name}${attrs(a)}/>`;

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
