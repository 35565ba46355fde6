import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies, parsed by fastify's own parser (prototype poisoning refused), except that an empty
 * body sent with `Content-Type: application/json` to a route that takes no body (DELETE, restore)
 * is no body: many HTTP clients set the header on every request. Routes with a body still answer
 * 400 `empty-body`.
 */
export function jsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && !request.routeOptions.schema?.body) return done(null, undefined);
    parse(request, body as string, done);
  });
}
