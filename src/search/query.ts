import { badRequest } from '../common/errors.js';
import type { SearchQuery } from '../store/port.js';
import { segmentQuery } from './segment.js';

/**
 * What a reader types becomes phrases of the segmenter's tokens, ANDed (a SearchQuery, which each
 * store turns into its index's query). Nothing the reader types is ever query syntax: operators,
 * column filters, parentheses and stray quotes are plain text, and punctuation or emoji are
 * separators, as they are in the index; only the segmenter asks for a prefix match.
 */

export const SEARCH_QUERY_MAX = 200;

export type QueryTerm = { text: string; quoted: boolean };
export type ParsedSearchQuery = { query: SearchQuery } | { error: string };

/** Whitespace-separated terms and "quoted phrases"; an unmatched quote is only a separator. */
export function splitQueryTerms(q: string): QueryTerm[] {
  const terms: QueryTerm[] = [];
  for (const found of q.matchAll(/"([^"]*)"|([^\s"]+)/g)) {
    if (found[1] !== undefined) terms.push({ text: found[1], quoted: true });
    else if (found[2] !== undefined) terms.push({ text: found[2], quoted: false });
  }
  return terms;
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
  // A term typed twice is one phrase.
  const phrases = new Map<string, SearchQuery['phrases'][number]>();
  for (const term of splitQueryTerms(q)) {
    const tokens = segmentQuery(term.text);
    if (tokens.length > 0) phrases.set(JSON.stringify(tokens), tokens);
  }
  if (phrases.size === 0) return { error: 'The search query has no words or characters to search for.' };
  return { query: { phrases: [...phrases.values()] } };
}

/** The search of q; the route's schema has refused bad queries already, this is the stores' own guard (a 400). */
export function searchQueryOf(q: string): SearchQuery {
  const parsed = parseSearchQuery(q);
  if ('error' in parsed) throw badRequest(parsed.error, [{ in: 'query', pointer: '/q', message: parsed.error }]);
  return parsed.query;
}
