import { AppError, conflict, type ErrorCode } from '../common/errors.js';

export type UniqueRule = { column: string; code: ErrorCode; pointer: string; message: string };

/**
 * Turns SQLite's UNIQUE violations into a 409 naming the field, so SQLite's own text never
 * reaches a client. Anything else is rethrown unchanged.
 */
export function translateUnique(error: unknown, rules: UniqueRule[]): never {
  const e = error as { code?: string; message?: string };
  if (e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const rule = rules.find((r) => e.message?.includes(r.column));
    if (rule) throw conflict(rule.code, rule.message, rule.pointer);
    throw new AppError('conflict', 'The change conflicts with an existing record');
  }
  throw error;
}

/** Runs `fn` and translates UNIQUE violations with `rules`. */
export function withUnique<T>(rules: UniqueRule[], fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    return translateUnique(error, rules);
  }
}
