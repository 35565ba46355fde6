import { segmentQuery, type QueryToken } from './segment.js';

/**
 * What a reader types becomes a MATCH expression built only from double-quoted FTS5 strings,
 * `+` (phrase), `*` (prefix, which only the segmenter asks for) and AND. Nothing the reader types
 * is ever FTS5 syntax: operators, column filters, parentheses and stray quotes are plain text, and
 * punctuation or emoji are separators, as they are in the index.
 */

export const SEARCH_QUERY_MAX = 200;

export type QueryTerm = { text: string; quoted: boolean };
export type ParsedSearchQuery = { match: string } | { error: string };

/** Whitespace-separated terms and "quoted phrases"; an unmatched quote is only a separator. */
export function splitQueryTerms(q: string): QueryTerm[] {
  const terms: QueryTerm[] = [];
  for (const found of q.matchAll(/"([^"]*)"|([^\s"]+)/g)) {
    if (found[1] !== undefined) terms.push({ text: found[1], quoted: true });
    else if (found[2] !== undefined) terms.push({ text: found[2], quoted: false });
  }
  return terms;
}

/** An FTS5 string literal: the only way user text reaches the MATCH expression. */
export function ftsString(token: string): string {
  return `"${token.replaceAll('"', '""')}"`;
}

function phrase(tokens: QueryToken[]): string {
  return tokens.map((token) => ftsString(token.text) + (token.prefix ? '*' : '')).join(' + ');
}

const PARSED_KEPT = 1000;
const parsed = new Map<string, ParsedSearchQuery>();

/**
 * Every term must match (AND); each term is the phrase of its tokens. Remembered for the latest
 * queries: a request parses its query twice (schema, store), and popular queries come again and again.
 */
export function parseSearchQuery(q: string): ParsedSearchQuery {
  let result = parsed.get(q);
  if (result === undefined) {
    if (parsed.size >= PARSED_KEPT) parsed.clear();
    result = parseUncached(q);
    parsed.set(q, result);
  }
  return result;
}

function parseUncached(q: string): ParsedSearchQuery {
  if (q.trim() === '') return { error: 'The search query is empty.' };
  if (Array.from(q).length > SEARCH_QUERY_MAX) {
    return { error: `The search query is longer than ${SEARCH_QUERY_MAX} characters.` };
  }
  const phrases = new Set<string>();
  for (const term of splitQueryTerms(q)) {
    const tokens = segmentQuery(term.text);
    if (tokens.length > 0) phrases.add(phrase(tokens));
  }
  if (phrases.size === 0) return { error: 'The search query has no words or characters to search for.' };
  return { match: [...phrases].join(' AND ') };
}
