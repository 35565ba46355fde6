import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isEditor } from './principal.js';

/**
 * Cache-Control for every answer. Anonymous readers' GETs may be cached by shared caches (CDNs)
 * for `maxAge`, served stale while revalidating; partner keys' views are private; anything an
 * editor sees may hold unpublished content and is never stored.
 */
export const cachingPlugin = fp(
  async (app: FastifyInstance, opts: { maxAge: number; staleWhileRevalidate: number }) => {
    const readerPolicy = `public, max-age=${opts.maxAge}, stale-while-revalidate=${opts.staleWhileRevalidate}`;
    app.addHook('onSend', async (request, reply, payload) => {
      if (reply.hasHeader('cache-control')) return payload;
      const cacheable = (request.method === 'GET' || request.method === 'HEAD') && (reply.statusCode === 200 || reply.statusCode === 304);
      const p = request.principal;
      let policy = 'no-store';
      if (cacheable && p && !isEditor(p)) policy = p.keyId === null ? readerPolicy : `private, max-age=${opts.maxAge}`;
      else if (cacheable) policy = 'private, no-store';
      reply.header('cache-control', policy);
      // Keep what others set (CORS adds Origin when it reflects the caller's origin).
      const vary = reply.getHeader('vary');
      reply.header('vary', vary ? `${String(vary)}, Authorization, Accept` : 'Authorization, Accept');
      return payload;
    });
  },
  { name: 'masthead-caching' },
);
