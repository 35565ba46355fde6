import type { FastifyInstance } from 'fastify';
import { call } from '../helpers/app.js';

export type Headers = Record<string, string>;
export type Event = { cursor: string; resource: 'article' | 'section' | 'source' | 'relatedLink'; id: number; articleId: number | null; op: 'create' | 'update' | 'delete'; at: string };

/** Every event after `since`, following nextCursor page by page; returns them and where to continue. */
export async function readAll(app: FastifyInstance, headers: Headers, since?: string, limit = 100): Promise<{ events: Event[]; next: string }> {
  const events: Event[] = [];
  let cursor = since;
  for (;;) {
    const url = `/v1/changes?limit=${limit}${cursor ? `&since=${cursor}` : ''}`;
    const res = await call(app, { method: 'GET', url, headers });
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${JSON.stringify(res.body)}`);
    events.push(...(res.body.data as Event[]));
    cursor = res.body.page.nextCursor as string;
    if (!res.body.page.hasMore) return { events, next: cursor };
  }
}

/** The events as `resource:id:op` strings, easy to compare. */
export const brief = (events: Event[]) => events.map((e) => `${e.resource}:${e.id}:${e.op}`);

export type Copy = { section: Map<number, unknown>; source: Map<number, unknown>; article: Map<number, Record<string, unknown>> };
const PATHS = { section: '/v1/sections', source: '/v1/sources', article: '/v1/articles' } as const;
const articleUrl = (id: number) => `/v1/articles/${id}?include=relatedLinks`;

/**
 * A partner's copy, kept by following the feed the documented way: fetch what was created or
 * updated, drop what was deleted (with the related links pointing at a deleted article).
 */
export async function apply(app: FastifyInstance, headers: Headers, copy: Copy, e: Event) {
  if (e.resource === 'relatedLink') {
    if (copy.article.has(e.articleId!)) await apply(app, headers, copy, { ...e, resource: 'article', id: e.articleId!, op: 'update' });
    return;
  }
  const map = copy[e.resource] as Map<number, unknown>;
  if (e.op !== 'delete') {
    const res = await call(app, { method: 'GET', url: e.resource === 'article' ? articleUrl(e.id) : `${PATHS[e.resource]}/${e.id}`, headers });
    // Gone since (a later event says so too), or in the trash (editors can still read it).
    if (res.status === 404 || res.body.deletedAt) map.delete(e.id);
    else map.set(e.id, res.body);
    return;
  }
  map.delete(e.id);
  if (e.resource !== 'article') return;
  for (const a of copy.article.values()) a.relatedLinks = (a.relatedLinks as { targetArticleId: number | null }[]).filter((l) => l.targetArticleId !== e.id);
}

/** What the API shows this caller now, read through the lists and single GETs. */
export async function truth(app: FastifyInstance, headers: Headers): Promise<Copy> {
  const out: Copy = { section: new Map(), source: new Map(), article: new Map() };
  for (const resource of ['section', 'source', 'article'] as const) {
    let cursor: string | null = null;
    do {
      const res = await call(app, { method: 'GET', url: `${PATHS[resource]}?limit=100${cursor ? `&cursor=${cursor}` : ''}`, headers });
      for (const item of res.body.data) {
        const full = resource === 'article' ? (await call(app, { method: 'GET', url: articleUrl(item.id), headers })).body : item;
        (out[resource] as Map<number, unknown>).set(item.id, full);
      }
      cursor = res.body.page.nextCursor;
    } while (cursor);
  }
  return out;
}

export const sorted = (copy: Copy) => Object.fromEntries(Object.entries(copy).map(([k, m]) => [k, [...(m as Map<number, unknown>).entries()].sort((a, b) => a[0] - b[0])]));

