import { AppError, conflict, type ErrorCode } from '../common/errors.js';

type UniqueRule = { code: ErrorCode; pointer: string; message: string };

/**
 * The unique constraints a client can run into, by `table.column`, and the 409 each becomes: the
 * one place that maps them, whichever adapter reports the violation. Two writers taking the same
 * slug at the same moment both get past any check; the constraint lets one through.
 */
const RULES: Record<string, UniqueRule> = {
  'sections.slug': { code: 'slug-taken', pointer: '/slug', message: 'Another section has this slug' },
  'sources.slug': { code: 'slug-taken', pointer: '/slug', message: 'Another source has this slug' },
  'articles.slug': { code: 'slug-taken', pointer: '/slug', message: 'Another article (perhaps in the trash) has this slug' },
  'articles.external_id': { code: 'external-id-taken', pointer: '/externalId', message: 'Another article has this externalId' },
};

/** The 409 for a violated unique constraint (`table.column`), a generic one for a constraint no rule names. */
export function uniqueConflict(constraint: string | undefined): AppError {
  const rule = constraint === undefined ? undefined : RULES[constraint];
  return rule ? conflict(rule.code, rule.message, rule.pointer) : new AppError('conflict', 'The change conflicts with an existing record');
}

export const isSlugTaken = (error: unknown) => error instanceof AppError && error.code === 'slug-taken';
