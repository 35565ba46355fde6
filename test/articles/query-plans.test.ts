// SQLite-specific: reads the query plans of SQLite (EXPLAIN QUERY PLAN); PostgreSQL plans its own way.
import t from 'tap';
import type { Db } from '../../src/store/sqlite/connection.js';
import { buildTestApp, call } from '../helpers/app.js';
import { factories, writeHeadersOf } from '../helpers/factories.js';

type Recorded = { sql: string; params: unknown[] };

/**
 * Records every SELECT the app prepares from now on, with the parameters it runs it with.
 * drizzle prepares its query-builder statements at request time, so the list queries are caught.
 */
function recordSelects(db: Db): Recorded[] {
  const recorded: Recorded[] = [];
  const prepare = db.$client.prepare.bind(db.$client);
  db.$client.prepare = ((source: string) => {
    const stmt = prepare(source);
    if (!/^\s*(select|with)\b/i.test(source)) return stmt;
    for (const method of ['all', 'get', 'iterate'] as const) {
      const run = stmt[method].bind(stmt) as (...args: unknown[]) => unknown;
      (stmt as unknown as Record<string, unknown>)[method] = (...params: unknown[]) => {
        recorded.push({ sql: source, params });
        return run(...params);
      };
    }
    return stmt;
  }) as typeof db.$client.prepare;
  return recorded;
}

const planOf = (db: Db, r: Recorded) =>
  (db.$client.prepare(`EXPLAIN QUERY PLAN ${r.sql}`).all(...r.params) as { detail: string }[]).map((p) => p.detail);

/**
 * Plan lines that read the whole articles table (or its alias `target`) row by row: a SCAN
 * without an index, or an automatic index, which SQLite builds by scanning the table on every run.
 */
const fullScans = (plan: string[]) =>
  plan.filter((d) => /^(SCAN|SEARCH) (articles|target)\b/.test(d) && (/AUTOMATIC/.test(d) || (d.startsWith('SCAN') && !/USING (COVERING )?INDEX/.test(d))));

t.test('every /v1/articles list and filter query uses an index on articles', async (t) => {
  const ctx = await buildTestApp(t);
  const make = factories(ctx);
  const editor = writeHeadersOf(ctx);
  const top = await make.section({ name: '天津', slug: 'tianjin' });
  await make.section({ name: '滨海新区', slug: 'tianjin-binhai', parentId: top.id });
  const leaf = await make.section({ name: '政情', slug: 'zhengqing' });
  const source = await make.source({ name: '天津日报', slug: 'tianjin-daily' });
  for (let i = 0; i < 3; i++) {
    await make.article(leaf.id, { sourceId: source.id, tags: ['天津', '经济'], publishedAt: `2023-04-1${i}T00:00:00.000Z`, externalId: `x-${i}` });
  }
  const recorded = recordSelects(ctx.db);

  const reader = (url: string) => ({ url, headers: {} });
  const asEditor = (url: string) => ({ url, headers: editor });
  const sorts = ['publishedAt', '-publishedAt', 'updatedAt', '-updatedAt', 'createdAt', '-createdAt', 'title', '-title'];
  const cases = [
    reader('/v1/articles?limit=20'),
    reader('/v1/articles?limit=20&include=section,source,relatedLinks'),
    ...sorts.map((s) => reader(`/v1/articles?limit=1&sort=${s}`)),
    reader('/v1/articles?section=zhengqing'),
    reader('/v1/articles?section=tianjin'),
    reader('/v1/articles?source=tianjin-daily'),
    reader(`/v1/articles?tag=${encodeURIComponent('天津')}`),
    reader('/v1/articles?publishedAfter=2023-01-01T00:00:00Z&publishedBefore=2024-01-01T00:00:00Z'),
    reader(`/v1/articles?section=tianjin&tag=${encodeURIComponent('天津')}&publishedAfter=2023-01-01T00:00:00Z&publishedBefore=2024-01-01T00:00:00Z`),
    reader('/v1/articles?updatedSince=2023-01-01T00:00:00Z'),
    reader('/v1/articles?externalId=x-1'),
    reader(`/v1/articles?q=${encodeURIComponent('天津')}`),
    asEditor('/v1/articles'),
    asEditor('/v1/articles?status=draft'),
    asEditor('/v1/articles?status=published&sort=-updatedAt'),
    asEditor('/v1/articles?deleted=true'),
  ];

  const seen = new Set<string>();
  const sorted: string[] = [];
  for (const c of cases) {
    const before = recorded.length;
    const res = await call(ctx.app, { method: 'GET', url: c.url, headers: c.headers });
    t.equal(res.status, 200, c.url);
    // The second page adds the cursor condition, which changes the plan.
    const next = res.body.page?.nextCursor;
    if (next) t.equal((await call(ctx.app, { method: 'GET', url: `${c.url}${c.url.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(next)}`, headers: c.headers })).status, 200);
    const queries = recorded.slice(before).filter((r) => /\barticles\b/.test(r.sql));
    t.ok(queries.length > 0, `${c.url}: its queries were recorded`);
    for (const r of queries) {
      const key = `${r.sql} ${JSON.stringify(r.params)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const plan = planOf(ctx.db, r);
      t.same(fullScans(plan), [], `${c.url}: ${plan.join(' · ')}`, { sql: r.sql, params: r.params });
      // Not a failure by the rule, but a sort of every matching row on each request: worth knowing.
      if (plan.some((d) => d.startsWith('USE TEMP B-TREE FOR ORDER BY'))) sorted.push(c.url);
    }
  }
  t.ok(sorts.length + 1 <= seen.size, 'the sorts issue distinct queries');
  if (sorted.length) t.comment(`sorted in a temporary b-tree (no index gives the order): ${[...new Set(sorted)].join(', ')}`);
});

t.test('the scan detector sees a full scan', async (t) => {
  const ctx = await buildTestApp(t);
  const plan = (sql: string) => fullScans(planOf(ctx.db, { sql, params: ['x'] }));
  t.same(plan('SELECT id FROM articles WHERE byline = ?'), ['SCAN articles']);
  t.same(plan('SELECT target.id FROM articles target WHERE target.byline = ?'), ['SCAN target']);
  t.same(plan('SELECT l.id FROM related_links l JOIN articles target ON target.byline = l.title WHERE l.url = ?'), [
    'SEARCH target USING AUTOMATIC COVERING INDEX (byline=?)',
  ]);
  t.same(plan('SELECT id FROM articles WHERE slug = ?'), []);
});

