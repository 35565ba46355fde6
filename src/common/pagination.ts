import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from './errors.js';

/** What names an order in a cursor: a cursor made for one order is refused by another. */
export type SortKey = { key: string };
export type CursorValue = number | string | null;
type Cursor = { s: string; f: string; v: CursorValue; id: number };

/** A short fingerprint of the filters, so a cursor cannot be replayed with other filters. */
export function fingerprint(filters: Record<string, unknown>): string {
  const stable = JSON.stringify(Object.keys(filters).sort().map((k) => [k, filters[k]]));
  return createHash('sha256').update(stable).digest('base64url').slice(0, 10);
}

export function encodeCursor(sort: SortKey, filters: string, value: CursorValue, id: number): string {
  const cursor: Cursor = { s: sort.key, f: filters, v: value, id };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

const invalid = (message: string) => badRequest(message, [{ in: 'query', pointer: '/cursor', message }]);

/** Reads a cursor back; a cursor that is malformed or was made for another sort or filter is a 400. */
export function decodeCursor(raw: string, sort: SortKey, filters: string): { v: CursorValue; id: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid('The cursor is not valid');
  }
  const c = parsed as Partial<Cursor> | null;
  const valueOk = c && (c.v === null || typeof c.v === 'number' || typeof c.v === 'string');
  if (!c || typeof c !== 'object' || !valueOk || !Number.isSafeInteger(c.id) || typeof c.s !== 'string') {
    throw invalid('The cursor is not valid');
  }
  if (c.s !== sort.key || c.f !== filters) {
    throw invalid('The cursor was made for another sort or other filters; start again without it');
  }
  return { v: c.v as CursorValue, id: c.id as number };
}

export type KeysetQuery = { limit: number; cursor?: string };

/**
 * One page of a keyset list, for every list ordered by one value and id: reads the cursor (bound
 * to the sort `key` and the `filters`), asks `fetch` for one row more than the page holds, and
 * makes the next cursor from the last row when there is more. `fetch` gets the (value, id) to
 * start after, or nothing for the first page.
 */
export async function keysetPage<Row extends { id: number }, V extends string | number>(
  key: string,
  filters: Record<string, unknown>,
  query: KeysetQuery,
  valueOf: (row: Row) => V,
  fetch: (after: { value: V; id: number } | undefined, limit: number) => Promise<Row[]>,
): Promise<{ rows: Row[]; nextCursor: string | null }> {
  const bound = fingerprint(filters);
  const at = query.cursor === undefined ? undefined : decodeCursor(query.cursor, { key }, bound);
  if (at && at.v === null) throw invalid('The cursor is not valid');
  const rows = await fetch(at && { value: at.v as V, id: at.id }, query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > query.limit && last ? encodeCursor({ key }, bound, valueOf(last), last.id) : null;
  return { rows: page, nextCursor };
}

/**
 * A cursor over an order of several values and id (search: rank, then publishedAt). Same envelope
 * and checks as encodeCursor/decodeCursor; `v` holds the values in order.
 */
export function encodeTupleCursor(key: string, filters: string, values: CursorValue[], id: number): string {
  return Buffer.from(JSON.stringify({ s: key, f: filters, v: values, id })).toString('base64url');
}

export function decodeTupleCursor(raw: string, key: string, filters: string, size: number): { v: CursorValue[]; id: number } {
  let c: { s?: unknown; f?: unknown; v?: unknown; id?: unknown } | null;
  try {
    c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid('The cursor is not valid');
  }
  const values = c && typeof c === 'object' && Array.isArray(c.v) ? (c.v as unknown[]) : null;
  const valuesOk = values?.length === size && values.every((x) => x === null || typeof x === 'number' || typeof x === 'string');
  if (!c || !valuesOk || !Number.isSafeInteger(c.id) || typeof c.s !== 'string') throw invalid('The cursor is not valid');
  if (c.s !== key || c.f !== filters) throw invalid('The cursor was made for another query or other filters; start again without it');
  return { v: values as CursorValue[], id: c.id as number };
}

/** Sets the RFC 8288 `Link` header for the next page (same path and query, new cursor). */
export function linkNext(request: FastifyRequest, reply: FastifyReply, nextCursor: string | null): void {
  if (!nextCursor) return;
  const url = new URL(request.url, 'http://x');
  url.searchParams.set('cursor', nextCursor);
  reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
}
