import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { KeyRow } from '../keys/service.js';
import { SECRET_MAX, SECRET_PREFIX } from '../keys/service.js';
import { AppError } from '../common/errors.js';
import { ANONYMOUS, hasScope, type Principal, type Scope } from './principal.js';

export type AuthOptions = {
  authenticate: (secret: string) => Promise<KeyRow | null>;
  /** Anonymous callers may use `public` content routes; off: they need a key (probes and docs stay open). */
  publicRead: boolean;
};

const REALM = 'Bearer realm="masthead"';
const BEARER = /^Bearer +(\S+) *$/i;
const TOKEN = /^mh_[A-Za-z0-9_-]+$/;

const unauthorized = (code: 'authentication-required' | 'invalid-token', detail: string, challenge: string) =>
  new AppError(code, detail, { headers: { 'www-authenticate': challenge } });

const invalidToken = (detail: string) => unauthorized('invalid-token', detail, `${REALM}, error="invalid_token"`);

/** The secret in an `Authorization: Bearer mh_…` header; anything else that is sent is a 401. */
function bearerSecret(header: string): string {
  const token = BEARER.exec(header)?.[1];
  if (!token) throw invalidToken('The Authorization header must be "Bearer <secret>"');
  if (token.length > SECRET_MAX || !token.startsWith(SECRET_PREFIX) || !TOKEN.test(token)) {
    throw invalidToken(`The secret is not a Masthead API key (they start with ${SECRET_PREFIX})`);
  }
  return token;
}

const toPrincipal = (row: KeyRow): Principal => ({ keyId: row.id, scope: row.scope, sections: row.sections ?? null, sources: row.sources ?? null });

/**
 * Puts the route's scope into its OpenAPI operation: the security requirement (optional for
 * public routes), an `x-scope` extension and a line in the description.
 */
function documentScope(route: RouteOptions, scope: Scope) {
  const schema = (route.schema ??= {}) as Record<string, unknown>;
  if (schema['x-scope']) return; // fastify runs onRoute again for the HEAD twin of a GET, with the same schema
  schema['x-scope'] = scope;
  schema.security = scope === 'public' ? [{}, { bearerAuth: [] }] : [{ bearerAuth: [] }];
  const line = scope === 'public' ? 'Scope: public (no key needed while public read is on)' : `Scope: ${scope}`;
  schema.description = schema.description ? `${String(schema.description)}\n\n${line}` : line;
}

/**
 * Probes (tag `system`) and hidden routes (the API description, the docs UI) stay open to anonymous
 * callers when public read is off; everything else that is public is content.
 */
const isInfrastructure = (route: RouteOptions) => Boolean(route.schema?.hide) || ((route.schema?.tags as string[] | undefined)?.includes('system') ?? false);
const routeKey = (method: string, url: string | undefined) => `${method} ${url ?? ''}`;

function enforce(request: FastifyRequest, publicRead: boolean, infrastructure: Set<string>) {
  const needed = request.routeOptions.config?.scope;
  // Routes without a scope are hidden ones (docs UI, CORS preflight) and the 404 handler.
  if (!needed) return;
  const p = request.principal;
  if (p.keyId === null) {
    if (needed === 'public' && (publicRead || infrastructure.has(routeKey(request.method, request.routeOptions.url)))) return;
    throw unauthorized('authentication-required', 'This call needs an API key: send "Authorization: Bearer <secret>"', REALM);
  }
  if (!hasScope(p, needed)) {
    throw new AppError('insufficient-scope', `This call needs a key with the ${needed} scope; this key has ${p.scope}`, {
      headers: { 'www-authenticate': `${REALM}, error="insufficient_scope", scope="${needed}"` },
    });
  }
}

/**
 * Who is asking (the bearer key, or an anonymous reader) and whether they may: every route
 * declares `config.scope`, checked here before anything else runs. A route without a scope
 * stops the app at start-up, so none can be added open by mistake.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: AuthOptions) => {
    app.decorateRequest('principal', null as never);
    const infrastructure = new Set<string>();

    app.addHook('onRoute', (route) => {
      const scope = route.config?.scope;
      if (isInfrastructure(route)) for (const m of [route.method].flat()) infrastructure.add(routeKey(m.toUpperCase(), route.url));
      if (scope) return documentScope(route, scope);
      if (route.schema?.hide) return;
      throw new Error(`${String(route.method)} ${route.url} declares no scope: add config: { scope: 'public' | 'read' | 'write' | 'admin' }`);
    });

    app.addHook('onRequest', async (request) => {
      const header = request.headers.authorization;
      if (header === undefined) request.principal = ANONYMOUS;
      else {
        const row = await opts.authenticate(bearerSecret(header));
        if (!row) throw invalidToken('The API key is unknown or has been revoked');
        request.principal = toPrincipal(row);
      }
      enforce(request, opts.publicRead, infrastructure);
    });
  },
  { name: 'masthead-auth', dependencies: ['masthead-errors'] },
);
