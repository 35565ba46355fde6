import { spawnSync } from 'node:child_process';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Test } from 'tap';

const xmllint = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
/** xmllint (Debian's libxml2-utils; .ci/run installs it) is the strict check; without it we say so and rely on the JS validator. */
export const HAVE_XMLLINT = xmllint.status === 0;

/** Asserts that the document is well-formed XML, by fast-xml-parser's validator and, when installed, by xmllint. */
export function assertWellFormed(t: Test, xml: string, what: string) {
  // fast-xml-parser does not check XML 1.0's Char production, so it is checked here (xmllint does too).
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(xml);
  t.notOk(bad, `${what}: only characters XML 1.0 allows${bad ? ` (U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${bad.index})` : ''}`);
  const js = XMLValidator.validate(xml);
  t.equal(js, true, `${what}: well-formed (fast-xml-parser)${js === true ? '' : `: ${JSON.stringify(js)}`}`);
  if (!HAVE_XMLLINT) {
    t.skip(`${what}: xmllint is not installed (apt-get install libxml2-utils); checked by fast-xml-parser only`, async () => {});
    return;
  }
  const lint = spawnSync('xmllint', ['--noout', '--nonet', '-'], { input: xml, encoding: 'utf8' });
  t.equal(lint.status, 0, `${what}: well-formed (xmllint)${lint.stderr ? `: ${lint.stderr}` : ''}`);
}

/** Text XML must escape, Chinese, and characters XML 1.0 forbids (which must be stripped, not escaped). */
export const NASTY_TITLE = '津甘协作 & <合作> ]]> “两个确立”';
export const NASTY_BODY = '<p>正文 ]]> &amp; 5 &lt; 6</p><p>第二段 <strong>加粗</strong></p>';

/** The document as data, with only XML's own entities decoded (feed parsers also decode HTML entities in content). */
export function parseXml(xml: string): Record<string, any> {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', processEntities: true, htmlEntities: false, parseTagValue: false, trimValues: false, isArray: (name) => ['item', 'entry', 'url', 'sitemap', 'category', 'link'].includes(name) });
  return parser.parse(xml);
}
