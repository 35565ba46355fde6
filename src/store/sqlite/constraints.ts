import { AppError } from '../../common/errors.js';
import { uniqueConflict } from '../unique.js';

type SqliteError = { code?: string; message?: string };

/** `UNIQUE constraint failed: sections.slug` names the columns; the first is the rule's key. */
const violated = (message = '') => /constraint failed: ([\w.]+)/.exec(message)?.[1];

/**
 * SQLite's errors that a client can cause or must be told about, as problems: a UNIQUE violation
 * becomes the 409 of src/store/unique.ts, a writer that could not get the lock within the busy
 * timeout the 503 `database-busy`, a full disk the 507 `storage-full`. Anything else is returned
 * as it was. SQLite's own text never reaches a client.
 */
export function translateSqliteError(error: unknown): unknown {
  const e = error as SqliteError | null;
  const code = e?.code ?? '';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return uniqueConflict(violated(e?.message));
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new AppError('database-busy', 'Another writer holds the database; try again shortly', { headers: { 'retry-after': '1' } });
  }
  if (code === 'SQLITE_FULL') return new AppError('storage-full', 'The disk holding the database is full: nothing was written');
  if (code.startsWith('SQLITE_READONLY')) return new AppError('database-read-only', 'The database file or its folder cannot be written: nothing was written');
  if (isDamage(code)) return new AppError('database-damaged', 'The database file is damaged: nothing was written; run `masthead check`');
  return error;
}

/** Whether SQLite's error says the file itself is broken (not a passing condition such as a lock). */
export const isDamage = (code: string) => code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';

/** Runs `fn` (synchronous SQLite statements) and throws SQLite's errors as their problems. */
export function translating<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw translateSqliteError(error);
  }
}
