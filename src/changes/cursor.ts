import { badRequest } from '../common/errors.js';

/**
 * Feed positions are opaque to partners (base64url of a small JSON object), so that the
 * representation can change (a compound position, another database) without breaking them.
 */
export function encodePosition(cursor: number): string {
  return Buffer.from(JSON.stringify({ c: cursor })).toString('base64url');
}

/** A malformed position is a 400 naming `since`, never a silent restart from the beginning. */
export function decodePosition(raw: string): number {
  let parsed: unknown;
  try {
    parsed = /^[A-Za-z0-9_-]+$/.test(raw) ? JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) : null;
  } catch {
    parsed = null;
  }
  const c = parsed && typeof parsed === 'object' ? (parsed as { c?: unknown }).c : undefined;
  if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0) {
    throw badRequest('The cursor is not valid', [{ in: 'query', pointer: '/since', message: 'Not a cursor given by this feed' }]);
  }
  return c;
}
