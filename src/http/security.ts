import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** JSON answers need no scripts, styles or frames: a response that is rendered anyway can do nothing. */
const API_CSP = { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] };

/** The swagger UI at /docs loads its own scripts and styles (and inline styles, which React sets). */
const DOCS_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
};

const EXPOSED = ['ETag', 'Last-Modified', 'Link', 'Location', 'Retry-After', 'X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

/**
 * Security headers suited to a JSON API (helmet) and CORS for the configured origins. Registered
 * before authentication so that 401s and 429s carry these headers too (a browser cannot read a
 * cross-origin 401 without them).
 */
export const securityPlugin = fp(
  async (app: FastifyInstance, opts: { corsOrigins: string[] | '*'; docsPrefix: string }) => {
    const corsOn = opts.corsOrigins === '*' || opts.corsOrigins.length > 0;
    app.addHook('onRoute', (route) => {
      if (route.url === opts.docsPrefix || route.url.startsWith(`${opts.docsPrefix}/`)) {
        route.config = { ...route.config, helmet: { contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } } } as typeof route.config;
      }
    });
    await app.register(helmet, {
      contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
      // Other sites are meant to use the API (that is what CORS_ORIGINS is for); without it, same origin only.
      crossOriginResourcePolicy: { policy: corsOn ? 'cross-origin' : 'same-origin' },
      crossOriginEmbedderPolicy: false,
    });
    if (!corsOn) return;
    await app.register(cors, {
      origin: opts.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'If-Modified-Since'],
      exposedHeaders: EXPOSED,
      maxAge: 600,
    });
  },
  { name: 'masthead-security', dependencies: ['masthead-errors'] },
);
