import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../common/errors.js';
import type { ExpectedVersion } from '../common/versioned.js';

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

/** Matches no version (versions start at 1): a well-formed If-Match that names none of ours. */
const NO_VERSION = 0;
const ENTITY_TAG = /\s*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)/y;

/** The entity-tags of an If-Match list (RFC 9110 §8.8.3), or null when the header is not one. */
function entityTags(header: string): { weak: boolean; tag: string }[] | null {
  const tags: { weak: boolean; tag: string }[] = [];
  ENTITY_TAG.lastIndex = 0;
  while (ENTITY_TAG.lastIndex < header.length) {
    const at = ENTITY_TAG.lastIndex;
    const m = ENTITY_TAG.exec(header);
    if (!m || ENTITY_TAG.lastIndex === at) return null;
    tags.push({ weak: m[1] !== undefined, tag: m[2]! });
  }
  return tags.length > 0 ? tags : null;
}

/**
 * The version a write expects, from `If-Match: "3"`; undefined when the header is absent
 * (the write then goes through unconditionally) or is `*`. A well-formed entity-tag that is
 * not one of ours (`"stale-version-0"`, a weak `W/"3"`: If-Match compares strongly) matches no
 * version, so the write answers 412 (RFC 9110 §13.1.1); only a header that is not an
 * entity-tag list is a 400. Of several tags, each of ours is compared: the write goes through
 * when the record has any of those versions (RFC 9110 §13.1.1: "matches any").
 */
export function expectedVersion(request: FastifyRequest): ExpectedVersion {
  const header = request.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const tags = entityTags(header);
  if (!tags) {
    const message = 'If-Match must be * or a list of entity-tags, e.g. "3"';
    throw badRequest(message, [{ in: 'headers', pointer: '/if-match', message }]);
  }
  const ours = tags.filter((t) => !t.weak && /^[1-9]\d{0,14}$/.test(t.tag)).map((t) => Number(t.tag));
  if (ours.length === 0) return NO_VERSION;
  return ours.length === 1 ? ours[0] : ours;
}
