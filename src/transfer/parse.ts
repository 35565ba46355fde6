import { fieldProblems } from '../http/errors.js';
import { RECORD_SCHEMAS, RECORD_TYPES, type ImportRecordInput, type LineProblemDto, type RecordType } from './schemas.js';

/** What identifies a line in a report: its number, its type, and its keys when it has them. */
export type LineKeys = { line: number; type: RecordType | null; externalId?: string; slug?: string };

export type ParsedLine = { ok: true; keys: LineKeys; record: ImportRecordInput } | { ok: false; keys: LineKeys; problems: LineProblemDto[] };

const isRecordType = (v: unknown): v is RecordType => typeof v === 'string' && (RECORD_TYPES as readonly string[]).includes(v);

/** The keys of a line, read from the raw object so that even a refused line can be named in the report. */
function keysOf(line: number, raw: Record<string, unknown>): LineKeys {
  const keys: LineKeys = { line, type: isRecordType(raw.type) ? raw.type : null };
  if (typeof raw.externalId === 'string') keys.externalId = raw.externalId.slice(0, 200);
  if (typeof raw.slug === 'string') keys.slug = raw.slug.slice(0, 200);
  return keys;
}

const refuse = (keys: LineKeys, pointer: string, message: string): ParsedLine => ({ ok: false, keys, problems: [{ pointer, message }] });

/** One line of text to a validated record (the same zod rules as the CRUD bodies), or the problems with it. */
export function parseLine(line: number, text: string): ParsedLine {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return refuse({ line, type: null }, '', `Not valid JSON: ${(error as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return refuse({ line, type: null }, '', 'Each line must be a JSON object');
  const obj = raw as Record<string, unknown>;
  const keys = keysOf(line, obj);
  if (!keys.type) return refuse(keys, '/type', `Must be one of ${RECORD_TYPES.join(', ')}`);
  const result = RECORD_SCHEMAS[keys.type].safeParse(obj);
  if (!result.success) return { ok: false, keys, problems: fieldProblems(result.error.issues, 'body').map(({ pointer, message }) => ({ pointer, message })) };
  return { ok: true, keys, record: result.data };
}
