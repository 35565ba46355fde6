import { splitQueryTerms } from './query.js';

/**
 * The highlighted excerpt of a search hit, cut from the article's original text (the index is
 * contentless, and FTS5's snippet() would show segmented tokens anyway). Text and query terms are
 * folded the way the index folds them — NFKC, lower case, accents off outside CJK — while a map
 * keeps every folded position tied to its place in the original, which is what the reader sees.
 */

/** A run of word characters from the query: CJK runs match anywhere, Latin words and numbers whole. */
export type Needle = { text: string; whole: boolean };

const CJK = /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}]/u;
const WORD = /[\p{L}\p{N}\p{Co}]/u;
const IGNORABLE = /[\p{Cf}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}]/gu;
// A base character with its combining marks, or marks with no base: the unit that folds as one.
const CLUSTER_AT = /\P{M}\p{M}*|\p{M}+/uy;
const SPACE_BETWEEN_CJK =
  /(?<=[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}])\s+(?=[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}])/gu;
const RUN = /(?:(?=[\p{L}\p{N}\p{Co}])[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}])+|(?:(?![\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}])[\p{L}\p{N}\p{Co}])+/gu;

const WIDTH = 80;
const LEAD = 20;
const BOUNDARY_REACH = 15;
const BOUNDARY = /[。！？，、；：!?,;:\s]/u;

function foldCluster(cluster: string): string {
  const folded = cluster.normalize('NFKC').replace(IGNORABLE, '').toLowerCase();
  return CJK.test(folded) ? folded : folded.normalize('NFKD').replace(/\p{M}/gu, '');
}

const MARK = /\p{M}/u;
/** ASCII and CJK unified ideographs fold to themselves (ASCII to lower case): no normalising needed. */
const isPlain = (code: number) => code < 0x80 || (code >= 0x4e00 && code <= 0x9fff);

/** The folded text, and for each of its code units the [start, end) of the original cluster it came from. */
function foldWithMapSlowly(text: string): { folded: string; from: number[]; to: number[] } {
  const pieces: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 0; i < text.length; ) {
    const code = text.charCodeAt(i);
    const next = i + 1 < text.length ? text[i + 1]! : '';
    // The common case, a plain character not followed by a combining mark, skips the regex and normalize().
    if (isPlain(code) && !(next.charCodeAt(0) >= 0x300 && MARK.test(next))) {
      pieces.push(code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : text[i]!);
      from.push(i);
      to.push(i + 1);
      i++;
      continue;
    }
    CLUSTER_AT.lastIndex = i;
    const cluster = CLUSTER_AT.exec(text)![0];
    const piece = foldCluster(cluster);
    for (let k = 0; k < piece.length; k++) {
      from.push(i);
      to.push(i + cluster.length);
    }
    pieces.push(piece);
    i += cluster.length;
  }
  return { folded: pieces.join(''), from, to };
}

const NOT_PLAIN = /[A-Z]|[^\x00-\x7f\u4e00-\u9fff]/gu;
/** Code units whose fold is one code unit too (，→ , ： → :), remembered; '' for those that fold otherwise. */
const unitFolds = new Map<string, string>();

function unitFold(ch: string): string {
  let folded = unitFolds.get(ch);
  if (folded === undefined) {
    const piece = ch.length === 1 ? foldCluster(ch) : '';
    folded = piece.length === 1 ? piece : '';
    unitFolds.set(ch, folded);
  }
  return folded;
}

/**
 * The common case of news text, where every character folds to exactly one code unit: the folded
 * text lines up with the original, so no map is needed. Null when some character does not.
 */
function foldUnitByUnit(text: string): string | null {
  if (MARK.test(text)) return null;
  let aligned = true;
  const folded = text.replace(NOT_PLAIN, (ch) => {
    if (ch.length === 1 && ch >= 'A' && ch <= 'Z') return ch.toLowerCase();
    const f = unitFold(ch);
    if (f === '') aligned = false;
    return f;
  });
  return aligned ? folded : null;
}

/** As foldWithMapSlowly; from and to are null when the folded text lines up with the original. */
function foldWithMap(text: string): { folded: string; from: number[] | null; to: number[] | null } {
  const folded = foldUnitByUnit(text);
  return folded === null ? foldWithMapSlowly(text) : { folded, from: null, to: null };
}

const fold = (text: string) => foldWithMap(text).folded;

/** What to highlight for a query: the word runs of each term, longest first. */
export function needlesOf(q: string): Needle[] {
  const seen = new Map<string, Needle>();
  for (const term of splitQueryTerms(q)) {
    for (const [run] of fold(term.text).replace(SPACE_BETWEEN_CJK, '').matchAll(RUN)) {
      seen.set(run, { text: run, whole: !CJK.test(run) });
    }
  }
  return [...seen.values()].sort((a, b) => b.text.length - a.text.length);
}

const codePointBefore = (s: string, i: number) => (i <= 0 ? '' : String.fromCodePoint(s.codePointAt(i >= 2 && /[\udc00-\udfff]/.test(s[i - 1]!) ? i - 2 : i - 1)!));
const isLatinWord = (ch: string) => ch !== '' && WORD.test(ch) && !CJK.test(ch);

/** Hits as [start, end) in the original text, sorted, overlaps merged. */
function findHits(text: string, needles: Needle[]): [number, number][] {
  const { folded, from, to } = foldWithMap(text);
  const spans: [number, number][] = [];
  for (const needle of needles) {
    for (let at = folded.indexOf(needle.text); at !== -1; at = folded.indexOf(needle.text, at + 1)) {
      const end = at + needle.text.length;
      const after = end < folded.length ? String.fromCodePoint(folded.codePointAt(end)!) : '';
      if (needle.whole && (isLatinWord(codePointBefore(folded, at)) || isLatinWord(after))) continue;
      spans.push(from && to ? [from[at]!, to[end - 1]!] : [at, end]);
    }
  }
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push([...span]);
  }
  return merged;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The boundary character nearest to `target` within reach (and inside [min, max)), or -1. */
function nearestBoundary(text: string, target: number, min: number, max: number): number {
  for (let d = 0; d <= BOUNDARY_REACH; d++) {
    for (const i of [target - d, target + d]) {
      if (i >= min && i < max && BOUNDARY.test(text[i]!)) return i;
    }
  }
  return -1;
}

/** Never cut between the two halves of a surrogate pair. */
const safeIndex = (text: string, i: number) => (i > 0 && i < text.length && /[\udc00-\udfff]/.test(text[i]!) ? i - 1 : i);

/** About WIDTH characters around the first hit, ends moved to a nearby punctuation mark or space. */
function windowAround(text: string, hit: [number, number]): [number, number] {
  let start = Math.max(0, hit[0] - LEAD);
  let end = Math.min(text.length, Math.max(start + WIDTH, hit[1]));
  start = Math.max(0, Math.min(start, end - WIDTH));
  if (start > 0) {
    const b = nearestBoundary(text, start, start - BOUNDARY_REACH, hit[0]);
    if (b !== -1) start = b + 1;
  }
  if (end < text.length) {
    const b = nearestBoundary(text, end, hit[1], end + BOUNDARY_REACH);
    if (b !== -1) end = b + 1;
  }
  return [safeIndex(text, start), safeIndex(text, end)];
}

/** The window as one line of HTML: escaped, each hit in <mark>, … where the text was cut. */
function render(text: string, [start, end]: [number, number], hits: [number, number][]): string {
  let html = '';
  let at = start;
  for (const [hs, he] of hits) {
    const s = Math.max(hs, start);
    const e = Math.min(he, end);
    if (s >= e) continue;
    html += escapeHtml(text.slice(at, s)) + '<mark>' + escapeHtml(text.slice(s, e)) + '</mark>';
    at = e;
  }
  html += escapeHtml(text.slice(at, end));
  // One line: paragraph breaks and runs of spaces read as a single space in an excerpt.
  return (start > 0 ? '…' : '') + html.replace(/\s+/g, ' ').trim() + (end < text.length ? '…' : '');
}

/**
 * The snippet for one hit: from the first text (body, then summary, title …) that contains a query
 * term, else the opening of the first non-empty text, unmarked (the match was in the tags).
 */
export function buildSnippet(texts: (string | null)[], needles: Needle[]): string {
  const present = texts.filter((t): t is string => !!t && t.trim() !== '');
  for (const text of present) {
    const hits = findHits(text, needles);
    if (hits.length > 0) return render(text, windowAround(text, hits[0]!), hits);
  }
  const first = present[0];
  return first === undefined ? '' : render(first, windowAround(first, [0, 0]), []);
}
