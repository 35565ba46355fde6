import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { XmlDocument } from 'libxml2-wasm';
import type { Test } from 'tap';

/**
 * The strict check is libxml2 itself (the parser behind xmllint), compiled to WebAssembly and
 * installed from npm, so it runs on every machine instead of being skipped where no
 * libxml2-utils is installed. Like `xmllint --noout --nonet`, it loads nothing from the network.
 */
function libxml2Error(xml: string): string | null {
  try {
    XmlDocument.fromString(xml).dispose();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message.trim() : String(err);
  }
}

/** Asserts that the document is well-formed XML, by fast-xml-parser's validator and by libxml2. */
export function assertWellFormed(t: Test, xml: string, what: string) {
  // fast-xml-parser does not check XML 1.0's Char production, so it is checked here (xmllint does too).
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(xml);
  t.notOk(bad, `${what}: only characters XML 1.0 allows${bad ? ` (U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${bad.index})` : ''}`);
  const js = XMLValidator.validate(xml);
  t.equal(js, true, `${what}: well-formed (fast-xml-parser)${js === true ? '' : `: ${JSON.stringify(js)}`}`);
  const lint = libxml2Error(xml);
  t.equal(lint, null, `${what}: well-formed (libxml2)${lint ? `: ${lint}` : ''}`);
}

/** Text XML must escape, Chinese, and characters XML 1.0 forbids (which must be stripped, not escaped). */
export const NASTY_TITLE = '津甘协作 & <合作> ]]> “两个确立”';
export const NASTY_BODY = '<p>正文 ]]> &amp; 5 &lt; 6</p><p>第二段 <strong>加粗</strong></p>';

/** The document as data, with only XML's own entities decoded (feed parsers also decode HTML entities in content). */
export function parseXml(xml: string): Record<string, any> {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', processEntities: true, htmlEntities: false, parseTagValue: false, trimValues: false, isArray: (name) => ['item', 'entry', 'url', 'sitemap', 'category', 'link'].includes(name) });
  return parser.parse(xml);
}
