import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../common/errors.js';

/**
 * JSON bodies, parsed by fastify's own parser (prototype poisoning refused), with two rules of ours:
 *
 * - The bytes must be valid UTF-8 (RFC 8259 §8.1): fastify decodes with replacement, so bad bytes
 *   were stored as U+FFFD while the same bytes in an NDJSON import line are refused. Here they are
 *   a 400 `malformed-json`, as there.
 * - An empty body sent with `Content-Type: application/json` to a route that takes no body
 *   (DELETE, restore) is no body: many HTTP clients set the header on every request. Routes with a
 *   body still answer 400 `empty-body`.
 */
export function jsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0 && !request.routeOptions.schema?.body) return done(null, undefined);
    if (!isUtf8(bytes)) return done(new AppError('malformed-json', 'The body is not valid UTF-8 (RFC 8259 §8.1)'), undefined);
    parse(request, bytes.toString('utf8'), done);
  });
}
