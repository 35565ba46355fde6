import type { Test } from 'tap';
import { buildTestApp, call, type TestApp } from '../helpers/app.js';
import { factories } from '../helpers/factories.js';

export type Hit = { id: number; title: string; snippet: string; score: number; [k: string]: unknown };

/** A test app with one section, and helpers to search as a reader (or with other headers). */
export async function searchApp(t: Test) {
  const ctx: TestApp = await buildTestApp(t);
  const make = factories(ctx);
  const section = await make.section({ name: '天津', slug: 'tianjin' });
  const search = (q: string, query = '', headers: Record<string, string> = {}) =>
    call(ctx.app, { method: 'GET', url: `/v1/search?q=${encodeURIComponent(q)}&limit=100${query}`, headers });
  /** The ids a search finds, best first; fails the test on anything but 200. */
  const ids = async (t: Test, q: string, query = '', headers: Record<string, string> = {}): Promise<number[]> => {
    const res = await search(q, query, headers);
    t.equal(res.status, 200, `search ${q} answers 200`);
    return (res.body.data ?? []).map((hit: Hit) => hit.id);
  };
  /** A published article with this body as paragraphs (publishedAt in 2023 unless given). */
  const article = (title: string, paragraphs: string[], extra: Record<string, unknown> = {}) =>
    make.article(section.id, {
      title,
      body: paragraphs.map((p) => `<p>${p}</p>`).join(''),
      publishedAt: '2023-04-19T00:00:00.000Z',
      ...extra,
    }) as Promise<{ id: number; version: number; slug: string }>;
  return { ...ctx, make, section, search, ids, article };
}
