import { prepareBody } from '../articles/html.js';
import { segmentForIndex } from '../search/segment.js';
import type { RawLine } from './lines.js';
import { parseLine, type ParsedLine } from './parse.js';
import type { ArticleRecordInput } from './schemas.js';

/**
 * A batch of lines made ready for the database: each line parsed and validated, each article body
 * sanitised with its plain text derived, and the text of each article segmented for the search
 * index, as [text, tokens] pairs. None of it needs the database, so worker threads do it while the
 * main thread writes the batch before (see pool.ts); the writes stay on the main thread, in order.
 */
export type PreparedBatch = { lines: ParsedLine[]; segments: [string, string][] };

/** The texts the search index will be given for this article (see SearchIndex.write), tags as the store cleans them. */
function searchTexts(r: ArticleRecordInput, bodyText: string | undefined): string[] {
  const texts = [r.title, r.subtitle, r.summary, bodyText, ...(r.tags ?? []).map((t) => t.trim().normalize('NFC'))];
  return texts.filter((t): t is string => typeof t === 'string' && t !== '');
}

const parseRaw = (raw: RawLine): ParsedLine =>
  'text' in raw ? parseLine(raw.line, raw.text) : { ok: false, keys: { line: raw.line, type: null }, problems: [{ pointer: '', message: raw.problem }] };

function prepareLine(raw: RawLine, segments: [string, string][]): ParsedLine {
  const parsed = parseRaw(raw);
  if (!parsed.ok || parsed.record.type !== 'article') return parsed;
  const record = parsed.record;
  if (record.body !== undefined) record.prepared = prepareBody(record.body);
  for (const text of searchTexts(record, record.prepared?.bodyText)) segments.push([text, segmentForIndex(text)]);
  return parsed;
}

/** What a worker thread does with a batch. */
export function prepareBatch(raws: RawLine[]): PreparedBatch {
  const segments: [string, string][] = [];
  return { lines: raws.map((raw) => prepareLine(raw, segments)), segments };
}

/**
 * The lines only parsed, for a batch this thread prepares itself: the store sanitises each body
 * and the index segments each article as they are written, so the batch's prepared text is never
 * all held at once (the memory of an import without worker threads stays what it was).
 */
export const parseBatch = (raws: RawLine[]): PreparedBatch => ({ lines: raws.map(parseRaw), segments: [] });
