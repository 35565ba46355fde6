import type { FastifyInstance, InjectOptions } from 'fastify';
import { call, type TestApp } from './app.js';

type Headers = Record<string, string>;
type Body = Record<string, unknown>;

/** The headers a caller needs to write (and to read as an editor): the test app's write key. */
export function writeHeadersOf(ctx: TestApp): Headers {
  return ctx.auth.write;
}

/** Adds the write headers to a request: `call(app, w({ method: 'POST', … }))`. */
export function withHeaders(headers: Headers) {
  return (opts: InjectOptions): InjectOptions => ({ ...opts, headers: { ...(opts.headers as Headers | undefined), ...headers } });
}

/** A JSON request; `headers` are merged in, the body sent as JSON. */
export const req = (method: string, url: string, payload?: unknown, headers: Headers = {}): InjectOptions => ({
  method: method as 'POST',
  url,
  ...(payload === undefined ? {} : { payload: payload as object }),
  headers,
});

async function mustCreate(app: FastifyInstance, url: string, body: Body, headers: Headers) {
  const res = await call(app, { method: 'POST', url, payload: body, headers });
  if (res.status !== 201) throw new Error(`POST ${url} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

let counter = 0;
const next = () => ++counter;

/** Small functions creating sections, sources and articles through the API (they throw unless 201). */
export function factories(ctx: TestApp) {
  const headers = writeHeadersOf(ctx);
  const { app } = ctx;
  return {
    section: (body: Body = {}) => mustCreate(app, '/v1/sections', { name: `栏目${next()}`, ...body }, headers),
    source: (body: Body = {}) => mustCreate(app, '/v1/sources', { name: `来源${next()}`, ...body }, headers),
    /** A published article (due now unless publishedAt says otherwise) in `sectionId`. */
    article: (sectionId: number, body: Body = {}) =>
      mustCreate(app, '/v1/articles', { title: `新闻 ${next()}`, sectionId, status: 'published', ...body }, headers),
    link: (articleId: number, body: Body) => mustCreate(app, `/v1/articles/${articleId}/related-links`, body, headers),
  };
}

/** The URL in a `Link: <…>; rel="next"` header, if any. */
export function nextLink(link: unknown): string | undefined {
  if (typeof link !== 'string') return undefined;
  return /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
}

/** ISO time `hours` after (or before, when negative) the test clock's start. */
export const hoursFrom = (iso: string, hours: number) => new Date(Date.parse(iso) + hours * 3_600_000).toISOString();
