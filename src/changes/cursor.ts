import { badRequest } from '../common/errors.js';
import type { FeedPosition } from '../store/port.js';

/**
 * Feed positions are opaque to partners (base64url of a small JSON object), so that the
 * representation can change (a compound position, another database) without breaking them.
 * SQLite's position (a number) is `{c}`, as it always was; PostgreSQL's `{x, c}` (the writing
 * transaction, then the cursor).
 */
export function encodePosition(position: FeedPosition): string {
  const json = typeof position === 'number' ? { c: position } : { x: position.xid, c: position.cursor };
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** The 400 naming `since`: for a position that is malformed, or one the store does not hand out. */
export const invalidCursor = () => badRequest('The cursor is not valid', [{ in: 'query', pointer: '/since', message: 'Not a cursor given by this feed' }]);

/** A malformed position is a 400 naming `since`, never a silent restart from the beginning. */
export function decodePosition(raw: string): FeedPosition {
  let parsed: unknown;
  try {
    parsed = /^[A-Za-z0-9_-]+$/.test(raw) ? JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) : null;
  } catch {
    parsed = null;
  }
  const { c, x } = parsed && typeof parsed === 'object' ? (parsed as { c?: unknown; x?: unknown }) : {};
  if (!isCount(c)) throw invalidCursor();
  if (x === undefined) return c;
  if (!isCount(x)) throw invalidCursor();
  return { xid: x, cursor: c };
}

/**
 * The later of two positions of one feed (0 is before every other): a page that is not full
 * continues from the head, or from `since` when a client holds one beyond it.
 */
export function laterPosition(a: FeedPosition, b: FeedPosition): FeedPosition {
  if (typeof a === 'number' && typeof b === 'number') return Math.max(a, b);
  if (typeof a === 'number') return a === 0 ? b : a;
  if (typeof b === 'number') return b === 0 ? a : b;
  return a.xid > b.xid || (a.xid === b.xid && a.cursor >= b.cursor) ? a : b;
}
