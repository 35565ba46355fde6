import cors from '@fastify/cors';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
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

const EXPOSED = ['ETag', 'Article-ETag', 'Last-Modified', 'Link', 'Location', 'Retry-After', 'X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

/**
 * The headers helmet sets for these options, worked out once: the options never change per
 * request, and building helmet's middleware for every request (as @fastify/helmet does) cost
 * about 5 % of a revalidation's CPU.
 */
function headersOf(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const collect = {
    setHeader: (name: string, value: string | number | readonly string[]) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, collect as unknown as ServerResponse, () => {});
  return headers;
}

/**
 * Security headers suited to a JSON API (helmet) and CORS for the configured origins. Registered
 * before authentication so that 401s and 429s carry these headers too (a browser cannot read a
 * cross-origin 401 without them).
 */
const corsOnFor = (corsOrigins: string[] | '*') => corsOrigins === '*' || corsOrigins.length > 0;
const helmetOptions = (corsOrigins: string[] | '*') =>
  ({
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    // Other sites are meant to use the API (that is what CORS_ORIGINS is for); without it, same origin only.
    crossOriginResourcePolicy: { policy: corsOnFor(corsOrigins) ? 'cross-origin' : 'same-origin' },
    crossOriginEmbedderPolicy: false,
  }) as const;

/** The security headers of API answers, also for the errors answered before routing (framework-errors.ts). */
export const apiSecurityHeaders = (corsOrigins: string[] | '*') => headersOf(helmetOptions(corsOrigins));

export const securityPlugin = fp(
  async (app: FastifyInstance, opts: { corsOrigins: string[] | '*'; docsPrefix: string }) => {
    const corsOn = corsOnFor(opts.corsOrigins);
    const options = helmetOptions(opts.corsOrigins);
    const apiHeaders = headersOf(options);
    const docsHeaders = headersOf({ ...options, contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } });
    const isDocs = (url: string | undefined) => url !== undefined && (url === opts.docsPrefix || url.startsWith(`${opts.docsPrefix}/`));
    app.addHook('onRequest', (request, reply, done) => {
      reply.headers(isDocs(request.routeOptions.url) ? docsHeaders : apiHeaders);
      done();
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
