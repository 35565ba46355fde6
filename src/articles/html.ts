import { Parser } from 'htmlparser2';
import sanitizeHtml from 'sanitize-html';

/** The elements an article body may contain: text structure, links, images, quotes, lists, tables, code. */
export const BODY_TAGS = [
  'p', 'h2', 'h3', 'h4', 'strong', 'em', 'b', 'i', 'u', 's', 'sub', 'sup', 'br', 'hr',
  'a', 'img', 'figure', 'figcaption', 'blockquote', 'ul', 'ol', 'li',
  'table', 'thead', 'tbody', 'tr', 'th', 'td', 'code', 'pre',
] as const;

/** Attributes per element; every other attribute (event handlers, style, class, target…) is dropped. */
export const BODY_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ['href', 'title'],
  img: ['src', 'alt', 'width', 'height'],
};

/**
 * URL schemes per element. Relative and protocol-relative URLs pass (sites use them). `data:` is
 * refused for images too: a data: image can carry SVG with script when opened on its own, bloats
 * the body stored and served on every read, and an editor's image belongs on the media server.
 */
export const BODY_SCHEMES: Readonly<Record<string, readonly string[]>> = {
  a: ['http', 'https', 'mailto'],
  img: ['http', 'https'],
};

/**
 * Disallowed elements whose content goes too. For any other disallowed element (div, span, font…)
 * the tag is dropped and its text kept. Raw-text and foreign-content elements are here because
 * their "text" is code or markup; form and embeds because their content is not article prose.
 */
const DROP_WITH_CONTENT = [
  'script', 'style', 'textarea', 'option', 'select', 'xmp', 'noscript', 'noembed', 'noframes',
  'template', 'title', 'head', 'svg', 'math', 'iframe', 'frameset', 'object', 'embed', 'applet',
  'form', 'button', 'plaintext',
];

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...BODY_TAGS],
  allowedAttributes: Object.fromEntries(Object.entries(BODY_ATTRIBUTES).map(([k, v]) => [k, [...v]])),
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: Object.fromEntries(Object.entries(BODY_SCHEMES).map(([k, v]) => [k, [...v]])),
  allowProtocolRelative: true,
  disallowedTagsMode: 'discard',
  nonTextTags: DROP_WITH_CONTENT,
  // Decoding first and re-escaping only & < > (and " in attributes) is the mode sanitize-html
  // considers safe (with `false` it guesses which `&` start an entity). Text that was clean
  // comes back byte-identical: CJK, full-width punctuation and “quotes” are never entity-encoded.
  // Named entities such as &nbsp; or &copy; come back as the characters they stand for.
  parser: { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
};

/**
 * Makes article body HTML safe to store and serve: only the allowlist above survives.
 * NUL characters are removed and lone surrogates become U+FFFD first, so the result is always
 * well-formed text that any JSON or SQL layer accepts.
 */
export function sanitizeBody(html: string): string {
  const input = String(html).replaceAll('\0', '').toWellFormed();
  return sanitizeHtml(input, SANITIZE_OPTIONS);
}

/** A body made ready to store ahead of its write (imports do it in worker threads), with the input it came from. */
export type PreparedBody = { input: string; body: string; bodyText: string };

export function prepareBody(input: string): PreparedBody {
  const body = sanitizeBody(input);
  return { input, body, bodyText: htmlToText(body) };
}

/** Elements that end one paragraph of the plain text and start another. */
const PARAGRAPH_TAGS = new Set([
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'blockquote', 'figure', 'figcaption', 'ul', 'ol',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'caption', 'pre', 'hr', 'div', 'section', 'article',
  'header', 'footer', 'dl', 'dt', 'dd', 'address', 'aside', 'nav', 'main',
]);
const CELL_TAGS = new Set(['td', 'th']);
/** Text inside these is code or markup, not prose (only reachable with unsanitised input). */
const SILENT_TAGS = new Set(['script', 'style', 'noscript', 'template', 'textarea', 'svg', 'math', 'head', 'title']);

/** Every whitespace except U+3000: the ideographic space inside a Chinese line is deliberate. */
const SPACE_RUN = /[^\S\u3000]+/g;

/** Collects paragraphs (each a list of lines) while the parser walks the HTML. */
function createCollector() {
  const paragraphs: string[] = [];
  let lines: string[] = [];
  let line = '';
  let preDepth = 0;

  const endLine = () => {
    const text = preDepth > 0 ? line.replace(/\s+$/, '') : line.replace(SPACE_RUN, ' ').trim();
    if (text) lines.push(text);
    line = '';
  };
  const endParagraph = () => {
    endLine();
    if (lines.length) paragraphs.push(lines.join('\n'));
    lines = [];
  };
  const addPreText = (text: string) => {
    const parts = text.split(/\r?\n/);
    parts.forEach((part, i) => {
      if (i > 0) endLine();
      line += part;
    });
  };

  return {
    text: (text: string) => (preDepth > 0 ? addPreText(text) : (line += text)),
    lineBreak: endLine,
    paragraphBreak: endParagraph,
    cellBreak: () => (line += ' '),
    enterPre: () => (endParagraph(), preDepth++),
    leavePre: () => (endParagraph(), (preDepth = Math.max(0, preDepth - 1))),
    result: () => (endParagraph(), paragraphs.join('\n\n')),
  };
}

/**
 * Derives the plain text of an article body (`bodyText`): paragraphs separated by a blank line,
 * `<br>` as a line break, inline markup dropped, entities decoded, whitespace collapsed, and the
 * leading indentation of each line (full-width or ASCII) trimmed.
 */
export function htmlToText(html: string): string {
  const out = createCollector();
  let silentDepth = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        if (SILENT_TAGS.has(name)) silentDepth++;
        else if (name === 'br') out.lineBreak();
        else if (name === 'pre') out.enterPre();
        else if (PARAGRAPH_TAGS.has(name)) out.paragraphBreak();
        else if (CELL_TAGS.has(name)) out.cellBreak();
      },
      onclosetag(name) {
        if (SILENT_TAGS.has(name)) silentDepth = Math.max(0, silentDepth - 1);
        else if (name === 'pre') out.leavePre();
        else if (PARAGRAPH_TAGS.has(name)) out.paragraphBreak();
      },
      ontext(text) {
        if (silentDepth === 0) out.text(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.end(String(html).replaceAll('\0', '').toWellFormed());
  return out.result();
}
