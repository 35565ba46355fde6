import { AppError } from '../common/errors.js';
import type { LineKeys } from './parse.js';
import type { ImportErrorDto, ImportLineResultDto, ImportSummaryDto, ImportTotalsDto, LineProblemDto, LineStatus } from './schemas.js';

export const MAX_REPORTED_ERRORS = 1000;

/** A line's result as reported: its keys (absent ones left out), its status, its id or problems. */
export function resultOf(keys: LineKeys, status: LineStatus, extra: { id?: number; problems?: LineProblemDto[] } = {}): ImportLineResultDto {
  const out: ImportLineResultDto = { line: keys.line, type: keys.type, status };
  if (keys.externalId !== undefined) out.externalId = keys.externalId;
  if (keys.slug !== undefined) out.slug = keys.slug;
  if (extra.id !== undefined) out.id = extra.id;
  if (extra.problems) out.problems = extra.problems;
  return out;
}

/**
 * What went wrong with a line, as `{ pointer, message }`s: the store's own problems (unknown
 * reference, slug taken …) keep their pointers. A constraint SQLite enforces is reported without
 * SQLite's text. Anything else is not the line's fault: it is rethrown and stops the import.
 */
export function problemsOf(error: unknown): LineProblemDto[] {
  if (error instanceof AppError) {
    return error.extra.errors?.map(({ pointer, message }) => ({ pointer, message })) ?? [{ pointer: '', message: error.message }];
  }
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) return [{ pointer: '', message: 'The record conflicts with data in the database' }];
  throw error;
}

/** The JSON summary: counts, and the first MAX_REPORTED_ERRORS failed lines. */
export function createSummary() {
  const errors: ImportErrorDto[] = [];
  let truncated = false;
  return {
    add(results: ImportLineResultDto[]): void {
      for (const r of results) {
        if (r.status !== 'failed') continue;
        if (errors.length >= MAX_REPORTED_ERRORS) truncated = true;
        else {
          const { status: _status, id: _id, problems, ...keys } = r;
          errors.push({ ...keys, problems: problems ?? [] });
        }
      }
    },
    finish: (totals: ImportTotalsDto): ImportSummaryDto => ({ ...totals, errors, errorsTruncated: truncated }),
  };
}
