import { AppError } from '../../common/errors.js';
import { uniqueConflict } from '../unique.js';

type PgError = { code?: string; constraint?: string; message?: string; errors?: { code?: string }[] };

/** The unique constraints a client can run into, by their name on PostgreSQL, as src/store/unique.ts keys them (`table.column`). */
const UNIQUE_CONSTRAINTS: Record<string, string> = {
  sections_slug_unique: 'sections.slug',
  sources_slug_unique: 'sources.slug',
  articles_slug_unique: 'articles.slug',
  articles_external_id_unique: 'articles.external_id',
};

/** Errors after which the unit of work may simply run again: another transaction won a race. */
export const isRetryable = (error: unknown) => {
  const code = (error as PgError | null)?.code;
  return code === '40001' || code === '40P01';
};

/** Node's socket errors and node-postgres's own, which carry no SQLSTATE. */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const LOST = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable/i;

/** Whether the error says the server cannot be reached (down, restarting, the network), not that a statement was wrong. */
export function isConnectionLost(error: unknown): boolean {
  const e = error as PgError | null;
  const code = e?.code ?? e?.errors?.[0]?.code ?? '';
  return NETWORK.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || LOST.test(e?.message ?? '');
}

const retryLater = (seconds: number) => ({ headers: { 'retry-after': String(seconds) } });

/**
 * PostgreSQL's errors that a client can cause or must be told about, as the problems the SQLite
 * adapter answers for the same conditions (src/store/sqlite/constraints.ts): a unique violation is
 * the 409 of src/store/unique.ts, a lock not granted in time or a race lost too often the 503
 * `database-busy`, a server out of reach the 503 `database-unavailable`, a full disk the 507
 * `storage-full`. Anything else is returned as it was; PostgreSQL's own text never reaches a client.
 */
export function translatePgError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const e = error as PgError | null;
  const code = e?.code ?? '';
  if (code === '23505') return uniqueConflict(UNIQUE_CONSTRAINTS[e?.constraint ?? '']);
  if (code === '55P03' || isRetryable(error)) return new AppError('database-busy', 'Another writer holds what this change needs; try again shortly', retryLater(1));
  if (code === '57014') return new AppError('database-busy', 'The database took too long to answer; try again shortly', retryLater(1));
  if (isConnectionLost(error)) return new AppError('database-unavailable', 'The database does not answer; try again shortly', retryLater(5));
  if (code === '53100') return new AppError('storage-full', 'The disk holding the database is full: nothing was written');
  if (code === '25006') return new AppError('database-read-only', 'The database accepts no writes (a read-only server or replica): nothing was written');
  // NUL and text the server's encoding cannot hold: the schemas refuse NUL first, this is the last guard.
  if (code === '22021' || code === '22P05') return new AppError('bad-request', 'The request holds a character the database cannot store (such as NUL)');
  return error;
}
