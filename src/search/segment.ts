/**
 * Turns text into the token stream Masthead stores in its FTS5 index, and a query term into the
 * phrase that finds it there. The FTS5 table uses `unicode61 remove_diacritics 2`, which splits on
 * the spaces we insert and keeps each of our tokens whole (they hold only letters, numbers and
 * marks).
 *
 * CJK text has no spaces, and unicode61 would keep a whole run of Han characters as one token, so
 * a run is indexed as one token per character: the character and its successor (a bigram), and
 * the last character alone. 天津市 → 天津 津市 市. Any substring of two or more characters is then
 * a phrase of consecutive bigrams (甘肃 inside 甘肃省, an unknown name like 任振鹤), and a single
 * character is a prefix query. Latin words and numbers stay whole words (word semantics, like
 * unicode61 itself): NFKC-normalised (ＡＢＣ１２３ → abc123) and lower-cased.
 */

/** The FTS5 tokenizer this segmentation is made for: it must split on spaces and nothing else of ours. */
export const FTS5_TOKENIZE = 'unicode61 remove_diacritics 2';

export type QueryToken = { text: string; prefix: boolean };

type Run = { cjk: boolean; text: string };

const CJK_CHARS = String.raw`\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}`;
const WORD_CHARS = String.raw`\p{L}\p{N}\p{M}\p{Co}`;
// A run of word characters that are all CJK (group 1) or all not; anything else separates. One
// regular expression over the text costs a third of testing each character against two.
const RUN = new RegExp(String.raw`([[${WORD_CHARS}]&&[${CJK_CHARS}]]+)|[[${WORD_CHARS}]--[${CJK_CHARS}]]+`, 'gv');
const HAS_BASE_CHAR = /[\p{L}\p{N}\p{Co}]/u;
// Format characters (zero-width joiners and spaces, soft hyphens) and variation selectors would
// otherwise cut a word in two in one place and not in another; they carry no meaning for search.
const IGNORABLE = /[\p{Cf}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}]/gu;
// Chinese has no spaces between words, so spaces between two CJK characters are layout (a
// headline "天津 港口"), and a quoted phrase "天津 港口" should find 天津港口 too.
const SPACE_BETWEEN_CJK =
  /(?<=[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}])\s+(?=[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}])/gu;

/** The form both the index and the query are cut from, so the two always agree. */
export function normalizeForSearch(text: string): string {
  return text.normalize('NFKC').replace(IGNORABLE, '').toLowerCase().replace(SPACE_BETWEEN_CJK, '');
}

/** Maximal runs of CJK characters and of other word characters; everything else separates. */
function runsOf(normalized: string): Run[] {
  const runs: Run[] = [];
  for (const match of normalized.matchAll(RUN)) {
    const cjk = match[1] !== undefined;
    // A run of bare combining marks has no letter to search for; unicode61 would drop it anyway.
    if (cjk || HAS_BASE_CHAR.test(match[0])) runs.push({ cjk, text: match[0] });
  }
  return runs;
}

/** Each character with its successor, and the last character alone: 天津市 → 天津 津市 市. */
function forwardBigrams(chars: string[]): string[] {
  return chars.map((char, i) => (i + 1 < chars.length ? char + chars[i + 1] : char));
}

/** The space-separated tokens to store in the FTS5 column for this text. */
export function segmentForIndex(text: string): string {
  const tokens: string[] = [];
  for (const run of runsOf(normalizeForSearch(text))) {
    if (!run.cjk) {
      tokens.push(run.text);
      continue;
    }
    // forwardBigrams, without the intermediate array: a body has thousands of characters.
    const chars = Array.from(run.text);
    for (let i = 0; i + 1 < chars.length; i++) tokens.push(chars[i]! + chars[i + 1]!);
    tokens.push(chars[chars.length - 1]!);
  }
  return tokens.join(' ');
}

/**
 * The phrase, token by token, that finds one query term (or one quoted phrase) in the index.
 *
 * Inside the term, every boundary between runs is a boundary in the indexed text too, so inner
 * CJK runs are cut exactly as the index cuts them. Only the term's ends are unknown: the first run
 * may end an indexed run (its tokens, unigram included, end that run too), the last run may begin
 * one, so it keeps only its bigrams, and a single last character becomes a prefix: 2023年 must find
 * 2023年度, where 年 was indexed as 年度.
 */
export function segmentQuery(text: string): QueryToken[] {
  const runs = runsOf(normalizeForSearch(text));
  return runs.flatMap((run, i): QueryToken[] => {
    if (!run.cjk) return [{ text: run.text, prefix: false }];
    const chars = Array.from(run.text);
    const last = i === runs.length - 1;
    if (!last) return forwardBigrams(chars).map((token) => ({ text: token, prefix: false }));
    if (chars.length === 1) return [{ text: run.text, prefix: true }];
    return forwardBigrams(chars)
      .slice(0, -1)
      .map((token) => ({ text: token, prefix: false }));
  });
}
