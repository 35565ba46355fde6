import type { SearchDocument, SearchIndexRepo, SearchQuery, SearchToken } from '../port.js';
import type { Queryable } from './query.js';
import { unicode61 } from './unicode61.js';

/**
 * The search document and its query, shared by the index writer and every search read, made to
 * find exactly what SQLite's FTS5 index finds for the same SearchQuery (src/store/sqlite/fts.ts).
 *
 * The app segments text itself (src/search/segment.ts): CJK runs as bigrams, other words whole.
 * Neither side goes through a PostgreSQL text-search parser or configuration: the default parser
 * would cut the app's tokens again by its own rules (and by the server's locale: with lc_ctype C
 * every non-ASCII character is a letter, with en_US.UTF-8 iswalpha decides), and to_tsquery
 * parses the query's tokens the same way. Instead the document is written as a tsvector literal
 * and the query as a tsquery literal, each lexeme quoted, so that the lexemes are exactly the
 * tokens FTS5 would hold: the app's tokens cut by unicode61 (./unicode61.ts), which folds case and
 * diacritics and splits at most combining marks, on both sides.
 *
 * Positions: FTS5 numbers tokens per column, and a phrase never spans two columns. Here the
 * fields share one position space (title A, subtitle B, summary B, tags C, body D, body last),
 * each starting one position after the previous field's last token plus one: the empty position
 * between two fields means no `<->` (distance exactly 1) can join the end of one to the start of
 * the next.
 *
 * What a tsvector cannot hold, and FTS5 can: positions above 16383 (PostgreSQL clamps them) and
 * more than 256 positions of one lexeme (it keeps the first 256), lexemes of more than 2047 bytes
 * (refused), more than 1 MB of lexemes. Tokens at positions beyond MAX_POSITION are all put at
 * 16383 and one position is left empty before it, so they match as single tokens but never as
 * part of a phrase (a phrase inside the tail of a very long body is not found, where FTS5 finds
 * it; the same for occurrences after a lexeme's 256th); longer lexemes are left out (no query
 * can hold one: a search is at most 200 characters), as are new lexemes past the size limit.
 */

/** The last position a tsvector keeps exactly; everything after it is put at MAX_POSITION + 2 = 16383. */
const MAX_POSITION = 16381;
const CLAMPED = 16383;
/** PostgreSQL refuses longer lexemes ("word is too long"). */
const MAX_LEXEME_BYTES = 2047;
/** A tsvector's lexemes may total 1 MB (1048575 bytes); this leaves room for the entries' own overhead. */
const MAX_LEXEME_TOTAL = 900_000;

/** A lexeme quoted for tsvector and tsquery input: between single quotes, a quote doubled and a backslash escaped; nothing inside is syntax. */
export function quoteLexeme(lexeme: string): string {
  return `'${lexeme.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

const FIELDS: { key: keyof SearchDocument; weight: 'A' | 'B' | 'C' | 'D' }[] = [
  { key: 'title', weight: 'A' },
  { key: 'subtitle', weight: 'B' },
  { key: 'summary', weight: 'B' },
  { key: 'tags', weight: 'C' },
  { key: 'body', weight: 'D' },
];

/** WordEntryPos's weight bits (the top two of its 16): A 3, B 2, C 1, D 0. */
const WEIGHT_BITS = { A: 3 << 14, B: 2 << 14, C: 1 << 14, D: 0 } as const;
const WEIGHT_LETTER = ['D', 'C', 'B', 'A'] as const;

/**
 * The document's lexemes in the order they first occur, each with its UTF-8 size and positions as
 * WordEntryPos values (position in the low 14 bits, weight in the top two), strictly increasing:
 * the positions clamped to 16383 count once, with the first one's weight (the fields come in
 * falling weight, so the highest), as tsvector input keeps them.
 */
type Lexeme = { size: number; positions: number[] };

function lexemesOf(doc: SearchDocument): Map<string, Lexeme> {
  const lexemes = new Map<string, Lexeme>();
  // Each token's lexemes, once per document (CJK bigrams repeat a great deal): null where one is
  // left out (too long, or new past the size limit, which stays so as the total only grows).
  const entriesOf = new Map<string, (Lexeme | null)[]>();
  let bytes = 0;
  const entry = (lexeme: string): Lexeme | null => {
    const found = lexemes.get(lexeme);
    if (found) return found;
    const size = Buffer.byteLength(lexeme);
    if (size > MAX_LEXEME_BYTES || bytes + size > MAX_LEXEME_TOTAL) return null;
    bytes += size;
    const made = { size, positions: [] };
    lexemes.set(lexeme, made);
    return made;
  };
  let position = 0;
  for (const { key, weight } of FIELDS) {
    const bits = WEIGHT_BITS[weight];
    for (const token of doc[key].split(' ')) {
      if (token === '') continue;
      let entries = entriesOf.get(token);
      if (!entries) entriesOf.set(token, (entries = unicode61(token).map(entry)));
      for (const e of entries) {
        position++;
        if (e === null) continue;
        const list = e.positions;
        const at = position > MAX_POSITION ? CLAMPED : position;
        if (list.length < 256 && (list.length === 0 || (list[list.length - 1]! & 0x3fff) !== at)) list.push(at | bits);
      }
    }
    // The gap between two fields: a phrase never joins the end of one to the start of the next.
    position++;
  }
  return lexemes;
}

/** The document's tsvector, as tsvector input text (for statements that send many at once, as a text[]: reindex.ts). */
export function documentVector(doc: SearchDocument): string {
  let text = '';
  for (const [lexeme, { positions }] of lexemesOf(doc)) {
    text += `${text ? ' ' : ''}${quoteLexeme(lexeme)}:`;
    positions.forEach((p, i) => (text += `${i ? ',' : ''}${p & 0x3fff}${WEIGHT_LETTER[p >> 14]}`));
  }
  return text;
}

/**
 * The document's tsvector in PostgreSQL's binary form (tsvectorsend's: the count of lexemes, then
 * each lexeme as a NUL-terminated string, its count of positions and the positions, big-endian),
 * sent as a binary parameter (`$n::tsvector`): no text to build here nor to parse on the server,
 * which took about a third of an import's time spent on the search entry. The same value as
 * documentVector's text (tested).
 */
export function documentVectorBinary(doc: SearchDocument): Buffer {
  const lexemes = lexemesOf(doc);
  let size = 4;
  for (const { size: bytes, positions } of lexemes.values()) size += bytes + 3 + 2 * positions.length;
  const out = Buffer.allocUnsafe(size);
  let at = out.writeInt32BE(lexemes.size, 0);
  for (const [lexeme, { size: bytes, positions }] of lexemes) {
    at += out.write(lexeme, at, bytes, 'utf8');
    at = out.writeUInt8(0, at);
    at = out.writeUInt16BE(positions.length, at);
    for (const p of positions) at = out.writeUInt16BE(p, at);
  }
  return out;
}

/** The SQL of the document's tsvector, its text bound through `bind` (which returns the placeholder). */
export const documentSql = (doc: SearchDocument, bind: (value: unknown) => string): string => `${bind(documentVector(doc))}::tsvector`;

/** One phrase's lexemes: each token cut by unicode61 as the document's were; a prefix applies to the last piece (as FTS5 does with "tok"*). */
function phraseQuery(tokens: SearchToken[]): string | null {
  const parts: string[] = [];
  for (const token of tokens) {
    const pieces = unicode61(token.text);
    pieces.forEach((piece, i) => parts.push(quoteLexeme(piece) + (token.prefix && i === pieces.length - 1 ? ':*' : '')));
  }
  // FTS5: a phrase with no tokens matches no row, and so does an AND with it.
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0]! : `(${parts.join(' <-> ')})`;
}

/**
 * The tsquery input text of a search: every phrase (AND), each its lexemes followed by one another
 * (`<->`), a prefix token as `:*`; null when nothing can match (a phrase, or the search, without
 * any token unicode61 keeps), which FTS5 answers with no rows too.
 */
export function tsqueryText(query: SearchQuery): string | null {
  const phrases = query.phrases.map(phraseQuery);
  if (phrases.length === 0 || phrases.some((p) => p === null)) return null;
  return phrases.join(' & ');
}

/**
 * The SQL of the search's tsquery, its text bound through `bind` as one parameter (never spliced
 * into the statement); null when nothing can match (see tsqueryText): the caller says FALSE.
 */
export function tsqueryOf(query: SearchQuery, bind: (value: unknown) => string): string | null {
  const text = tsqueryText(query);
  return text === null ? null : `${bind(text)}::tsquery`;
}

/** The condition "the article's search entry matches" (`article_search.tsv @@ tsquery`) over the given article id column. */
export function searchCondition(query: SearchQuery, idColumn: string, bind: (value: unknown) => string): string {
  const tsquery = tsqueryOf(query, bind);
  return tsquery === null ? 'FALSE' : `${idColumn} IN (SELECT article_id FROM article_search WHERE tsv @@ ${tsquery})`;
}

/**
 * The search index's writes. A put replaces the entry (ON CONFLICT … DO UPDATE); it is part of
 * the unit's transaction and visible to searches once that commits, like the article itself.
 * `pending` (where search ranks with RUM): the entry is written pending, out of the RUM index,
 * which a serving node folds it into later (fold.ts); searches find it all the same.
 */
export function createSearchIndexRepo(q: Queryable, { pending = false }: { pending?: boolean } = {}): SearchIndexRepo {
  return {
    async put(articleId, doc) {
      await q.query(
        `INSERT INTO article_search (article_id, title, subtitle, summary, body, tags, tsv, pending) VALUES ($1, $2, $3, $4, $5, $6, $7::tsvector, $8)
         ON CONFLICT (article_id) DO UPDATE SET title = excluded.title, subtitle = excluded.subtitle, summary = excluded.summary,
           body = excluded.body, tags = excluded.tags, tsv = excluded.tsv, pending = excluded.pending`,
        [articleId, doc.title, doc.subtitle, doc.summary, doc.body, doc.tags, documentVectorBinary(doc), pending],
      );
    },
    remove: async (articleId) => void (await q.query('DELETE FROM article_search WHERE article_id = $1', [articleId])),
  };
}
