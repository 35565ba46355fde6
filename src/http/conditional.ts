import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../common/errors.js';

export const etagOf = (version: number) => `"${version}"`;

function matches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const weak = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => weak(t) === weak(etag));
}

/**
 * Sets ETag and Last-Modified on a single-item GET; answers 304 (and returns true) when the
 * client's copy is current. If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
 */
export function notModified(
  request: FastifyRequest,
  reply: FastifyReply,
  etag: string,
  updatedAtMs?: number,
): boolean {
  reply.header('etag', etag);
  if (updatedAtMs !== undefined) reply.header('last-modified', new Date(updatedAtMs).toUTCString());
  const inm = request.headers['if-none-match'];
  if (inm !== undefined) return matches(inm, etag) ? (reply.code(304).send(), true) : false;
  const ims = request.headers['if-modified-since'];
  if (ims !== undefined && updatedAtMs !== undefined) {
    const since = Date.parse(ims);
    if (!Number.isNaN(since) && Math.floor(updatedAtMs / 1000) * 1000 <= since) return reply.code(304).send(), true;
  }
  return false;
}

/**
 * The version a write expects, from `If-Match: "3"`; undefined when the header is absent
 * (the write then goes through unconditionally) or is `*`.
 */
export function expectedVersion(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header);
  if (!m) {
    const message = 'If-Match must be an ETag of this API, e.g. "3"';
    throw badRequest(message, [{ in: 'headers', pointer: '/if-match', message }]);
  }
  return Number(m[1]);
}
