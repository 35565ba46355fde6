import type { SearchQuery, SearchToken } from '../port.js';

/** An FTS5 string literal: the only way user text reaches the MATCH expression. */
export function ftsString(token: string): string {
  return `"${token.replaceAll('"', '""')}"`;
}

const phrase = (tokens: SearchToken[]) => tokens.map((token) => ftsString(token.text) + (token.prefix ? '*' : '')).join(' + ');

/**
 * The FTS5 MATCH expression of a search: only double-quoted strings, `+` (phrase), `*` (prefix)
 * and AND, so nothing a reader typed is ever FTS5 syntax.
 */
export const ftsMatch = (query: SearchQuery): string => query.phrases.map(phrase).join(' AND ');
