import type { RouteOptions } from 'fastify';
import { Problem } from './problem.js';

/**
 * What the OpenAPI document says about each answer besides its body: the statuses a route can
 * really answer (each with a description), the headers each answer carries, and the conditional
 * request headers a route honours. Routes read and set those headers themselves (conditional.ts,
 * pagination.ts); these declarations only document them, and the test suite checks every answer
 * it receives against the document (test/helpers/contract.ts), so the two cannot drift apart.
 */

const ETAG = '^(W/)?"[\\x21\\x23-\\x7e]*"$';

const RESPONSE_HEADERS = {
  etag: { description: 'The version of what was answered: send it back in `If-None-Match` (reads) or `If-Match` (writes)', schema: { type: 'string', pattern: ETAG } },
  'last-modified': { description: 'When the item last changed (HTTP date); `If-Modified-Since` revalidates against it', schema: { type: 'string' } },
  location: { description: 'The URL of the item (created, or moved to)', schema: { type: 'string' } },
  link: { description: 'RFC 8288 `<…>; rel="next"`: the next page, when there is one', schema: { type: 'string' } },
  'article-etag': { description: "The article's ETag after this write (a link write changes its article's version): send it in the next `If-Match` on the article", schema: { type: 'string', pattern: ETAG } },
  'retry-after': { description: 'Seconds to wait before trying again', schema: { type: 'string', pattern: '^\\d+$' } },
  'www-authenticate': { description: 'The Bearer challenge, saying why the key was refused', schema: { type: 'string' } },
  'x-request-id': { description: 'The id of this request in the server log (also `requestId` in problem bodies)', schema: { type: 'string' } },
  'cache-control': { description: 'public for anonymous readers, private for keys, no-store for anything an editor sees', schema: { type: 'string' } },
  'x-ratelimit-limit': { description: 'Requests a minute this caller may make (when rate limits are on)', schema: { type: 'string', pattern: '^\\d+$' } },
  'x-ratelimit-remaining': { description: 'Requests left in this minute', schema: { type: 'string', pattern: '^\\d+$' } },
  'x-ratelimit-reset': { description: 'Seconds until the allowance is whole again', schema: { type: 'string', pattern: '^\\d+$' } },
} as const;

export type AnswerHeader = 'etag' | 'last-modified' | 'location' | 'link' | 'article-etag';
type HeaderName = keyof typeof RESPONSE_HEADERS;
/** Headers an answer may leave out: Link on the last page, Last-Modified where nothing has a date. */
const OPTIONAL: ReadonlySet<HeaderName> = new Set(['link', 'last-modified', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']);

const REQUEST_HEADERS = {
  'if-none-match': { description: 'The ETag of your copy: a 304 with no body when it is still current', schema: { type: 'string' } },
  'if-modified-since': { description: 'The Last-Modified of your copy (HTTP date); ignored when If-None-Match is sent', schema: { type: 'string' } },
  'if-match': {
    description: 'The ETag you read (`"3"`): the write is refused with 412 if the item changed since; `*` matches any version. Without it the write goes through.',
    schema: { type: 'string' },
  },
} as const;

const STATUS_DESCRIPTIONS: Record<number, string> = {
  200: 'OK',
  201: 'Created: `Location` names the new item',
  202: 'Accepted: it will happen shortly',
  204: 'Done: no body',
  304: 'Not Modified: your copy is current; no body',
  308: 'Permanent Redirect: the item has moved (see `Location`); no body',
  400: 'The request is not valid: the problem lists each offending field (`errors[].in` and `pointer`)',
  401: 'No API key where one is needed, or one that is malformed, unknown or revoked (see `WWW-Authenticate`)',
  403: 'The key does not have the scope (or the rights) this needs',
  404: 'No such item, or one the caller may not see',
  409: 'Conflicts with what is stored (a slug or externalId taken, an item still in use, a limit reached); the problem says which',
  412: 'If-Match names a version that is not the current one: `currentVersion` says what it is now',
  413: 'The body is larger than the server accepts',
  414: 'A path parameter is longer than the server accepts',
  415: 'The body is of a media type this operation does not take (send `Content-Type: application/json`)',
  429: 'Too many requests from this key or address: see `Retry-After`',
  500: 'An unexpected error; it has been logged, and no detail is sent',
  503: 'The database does not answer or is busy with another writer, or this server is shutting down: try again shortly (see `Retry-After`; another node may answer at once)',
  507: 'The database has no room left',
};

export type Conditional = 'read' | 'etag' | 'write';

declare module 'fastify' {
  interface FastifySchema {
    /** Documentation only: `read` honours If-None-Match and If-Modified-Since (304), `etag` If-None-Match only, `write` If-Match (412). */
    conditional?: Conditional;
    /** Documentation only: the headers each success answer carries, by status. */
    answerHeaders?: { readonly [status: number]: readonly AnswerHeader[] };
    /** Error statuses this route answers beyond those its shape implies (see errorStatuses). */
    errors?: readonly number[];
  }
}

/** GET of one item: conditional, and its 200 and 304 carry ETag and Last-Modified. */
export const cacheableItem = { conditional: 'read', answerHeaders: { 200: ['etag', 'last-modified'], 304: ['etag', 'last-modified'] } } as const;
/** GET of a list page: conditional on its ETag, with Link to the next page. */
export const cacheableList = { conditional: 'etag', answerHeaders: { 200: ['etag', 'link'], 304: ['etag'] } } as const;
/** GET of a generated document (feed, sitemap): conditional on its ETag. */
export const cacheableDocument = { conditional: 'etag', answerHeaders: { 200: ['etag'], 304: ['etag'] } } as const;
/** GET of a list page with Link to the next page. */
export const pagedList = { answerHeaders: { 200: ['link'] } } as const;
/** A create that answers the new item with its ETag (and Location, as every 201). */
export const createdVersioned = { answerHeaders: { 201: ['etag'] } } as const;
/** A write that answers the item with its new ETag. */
export const versionedAnswer = { answerHeaders: { 200: ['etag'] } } as const;
/** A write that honours If-Match (412 on a stale version) and answers the item's new ETag. */
export const ifMatch = { conditional: 'write', answerHeaders: { 200: ['etag'] } } as const;

/**
 * The error statuses a route can answer, from its shape: every route can meet a bad key (401),
 * a rate limit (429, unless exempt) and a bug (500); input it validates can be a 400; keyed scopes
 * can be a 403; path parameters name something that may not exist (404) or are too long (414); writes with a body can
 * conflict (409); any method but GET can carry a body that is too large (413) or not JSON (415)
 * and writes to the database, which may be full (507). Any route can meet a database that does
 * not answer, or a server shutting down (503).
 */
export function errorStatuses(route: RouteOptions): number[] {
  const schema = route.schema ?? {};
  const methods = [route.method].flat().map((m) => m.toUpperCase());
  const reads = methods.every((m) => m === 'GET' || m === 'HEAD');
  const out = new Set<number>([401, 500, 503, ...(schema.errors ?? [])]);
  if (schema.params || schema.querystring || schema.body || schema.headers || schema.conditional === 'write') out.add(400);
  if (route.config?.scope && route.config.scope !== 'public') out.add(403);
  // A path parameter names something that may not exist, or is longer than the router takes.
  if (schema.params || route.url.includes(':')) out.add(404).add(414);
  if (schema.body && !reads) out.add(409);
  if (schema.conditional === 'write') out.add(412);
  // Writes meet the database, which may be out of room (507).
  if (!reads) out.add(413).add(415).add(507);
  if (route.config?.rateLimit !== false) out.add(429);
  return [...out].sort((a, b) => a - b);
}


/** The component name of a header: `etag` → `ETag`, `x-ratelimit-limit` → `X-RateLimit-Limit`. */
const NAMES: Record<string, string> = {
  etag: 'ETag',
  'www-authenticate': 'WWW-Authenticate',
  'x-ratelimit-limit': 'X-RateLimit-Limit',
  'x-ratelimit-remaining': 'X-RateLimit-Remaining',
  'x-ratelimit-reset': 'X-RateLimit-Reset',
  'article-etag': 'Article-ETag',
};
const nameOf = (header: string) => NAMES[header] ?? header.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

const headerRefs = (names: readonly HeaderName[]) =>
  Object.fromEntries([...new Set(names)].map((name) => [nameOf(name), { $ref: `#/components/headers/${nameOf(name)}` }]));

/** Every response header as a component, `required` where every answer that lists it carries it. */
function headerComponents() {
  return Object.fromEntries(
    Object.entries(RESPONSE_HEADERS).map(([name, { description, schema }]) => [
      nameOf(name),
      { description, schema: { ...schema }, ...(OPTIONAL.has(name as HeaderName) ? {} : { required: true }) },
    ]),
  );
}

/** The headers of one answer: the route's own, those its status implies, and those every answer carries. */
function headersOf(route: RouteOptions, status: number): Record<string, { $ref: string }> {
  const own = (route.schema?.answerHeaders?.[status] ?? []) as readonly HeaderName[];
  const implied: HeaderName[] = [];
  if (status === 201 || status === 308) implied.push('location');
  if (status === 304) implied.push('etag');
  if (status === 401) implied.push('www-authenticate');
  if (status === 429) implied.push('retry-after');
  const limited: HeaderName[] = route.config?.rateLimit === false ? [] : ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];
  return headerRefs([...own, ...implied, 'x-request-id', 'cache-control', ...limited]);
}

type Operation = {
  operationId?: string;
  parameters?: Record<string, unknown>[];
  responses?: Record<string, { description?: string; headers?: Record<string, unknown> }>;
};
type Doc = { paths?: Record<string, Record<string, Operation>>; components?: Record<string, unknown> };
type OperationContract = { responses: Record<string, { description: string; headers: Record<string, { $ref: string }> }>; requestHeaders: (keyof typeof REQUEST_HEADERS)[] };

/**
 * The contract of one app: `declare` runs from onRoute (errors.ts) and merges each route's error
 * answers (all of one Problem schema) into its response schema; `document` then writes what the
 * document says about each answer (description, headers) and the conditional request headers,
 * by operationId, which the zod transform of the schemas knows nothing of.
 */
export function createContract() {
  const operations = new Map<string, OperationContract>();
  return {
    declare(route: RouteOptions): void {
      if (!route.schema || route.schema.hide) return;
      const response = (route.schema.response ?? {}) as Record<string, unknown>;
      for (const status of errorStatuses(route)) {
        response[status] ??= { description: STATUS_DESCRIPTIONS[status], content: { 'application/problem+json': { schema: Problem } } };
      }
      route.schema.response = response;
      const operationId = route.schema.operationId;
      if (!operationId) return;
      const responses: OperationContract['responses'] = {};
      for (const [status, answer] of Object.entries(response)) {
        const own = (answer as { description?: unknown }).description;
        const description = typeof own === 'string' && own ? own : (STATUS_DESCRIPTIONS[Number(status)] ?? 'Answer');
        responses[status] = { description, headers: headersOf(route, Number(status)) };
      }
      const conditional = route.schema.conditional;
      const requestHeaders: OperationContract['requestHeaders'] =
        conditional === 'read' ? ['if-none-match', 'if-modified-since'] : conditional === 'etag' ? ['if-none-match'] : conditional === 'write' ? ['if-match'] : [];
      operations.set(operationId, { responses, requestHeaders });
    },

    document<T extends object>(doc: T): T {
      for (const item of Object.values((doc as Doc).paths ?? {})) {
        for (const op of Object.values(item)) {
          const contract = op.operationId ? operations.get(op.operationId) : undefined;
          if (!contract) continue;
          for (const [status, answer] of Object.entries(op.responses ?? {})) {
            const declared = contract.responses[status];
            if (!declared) continue;
            answer.description = declared.description;
            answer.headers = declared.headers;
          }
          const headers = contract.requestHeaders.map((name) => ({ $ref: `#/components/parameters/${nameOf(name)}` }));
          if (headers.length > 0) op.parameters = [...(op.parameters ?? []), ...headers];
        }
      }
      const d = doc as Doc;
      const parameters = Object.fromEntries(Object.entries(REQUEST_HEADERS).map(([name, h]) => [nameOf(name), { in: 'header', name: nameOf(name), required: false, ...h }]));
      d.components = { ...d.components, headers: headerComponents(), parameters };
      return doc;
    },
  };
}

export type Contract = ReturnType<typeof createContract>;
