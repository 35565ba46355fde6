// PostgreSQL-specific: articles inserted with plain SQL (the content repositories are another change's), and key uses recorded from two connections.
import t from 'tap';
import type { KeyRepo, SitemapRepo, Visibility } from '../../../src/store/port.js';
import { createKeyRepo } from '../../../src/store/postgres/keys.js';
import { createSitemapRepo } from '../../../src/store/postgres/sitemaps.js';
import { inTransaction, pgArticle, pgPool, pgSection, pgSource, sqliteSeed, sqliteStore, T0, type ArticleSeed } from './fixtures.js';

t.test('API keys give what SQLite gives', async (t) => {
  const pool = await pgPool(t);
  const lite = sqliteStore(t);
  const pg = createKeyRepo(pool);
  const both = async <T>(work: (keys: KeyRepo) => Promise<T>, message: string): Promise<T> => {
    const p = await work(pg);
    t.same(p, await lite.write((tx) => work(tx.keys)), message);
    return p;
  };
  const key = (n: number, extra: Partial<Parameters<KeyRepo['insert']>[0]> = {}) => ({
    name: `key ${n}`, scope: 'read' as const, prefix: `mh_${n}`, secretHash: `hash${n}`, sections: null, sources: null, createdAt: T0 + n, ...extra,
  });
  t.same(await both((k) => k.insert(key(1)), 'insert'), { id: 1, ...key(1), lastUsedAt: null, revokedAt: null });
  await both((k) => k.insert(key(2, { sections: ['tianjin', 'beijing'], sources: [] })), 'insert with limits');
  await both((k) => k.insert(key(3, { scope: 'admin' })), 'insert an admin key');
  await t.rejects(pg.insert(key(4, { secretHash: 'hash1' })), { code: '23505', constraint: 'api_keys_secret_hash_unique' }, 'a hash collision is the unique violation the store translates');
  t.equal(await both((k) => k.count(), 'count'), 3);
  await both((k) => k.byId(2), 'byId');
  t.equal(await both((k) => k.byId(9), 'byId of none'), undefined);
  await both((k) => k.bySecretHash('hash2'), 'bySecretHash');
  await both((k) => k.page(undefined, 2), 'page');
  await both((k) => k.page({ value: 2, id: 2 }, 2), 'page after');
  await both((k) => k.update(2, { scope: 'write' }), 'update keeps the limits');
  await both((k) => k.update(2, { sections: null }), 'update sets a limit to null');
  await both((k) => k.update(2, { sources: ['xinhua'] }), 'and another to a list');
  t.equal(await both((k) => k.update(9, { scope: 'write' }), 'update of none'), undefined);
  await both((k) => k.revoke(1, T0 + 100), 'revoke');
  t.equal((await both((k) => k.revoke(1, T0 + 200), 'revoke again keeps the first time'))!.revokedAt, T0 + 100);
  await both((k) => k.recordUses(new Map([[1, T0 + 500], [2, T0 + 300]])), 'record uses');
  await both((k) => k.recordUses(new Map([[2, T0 + 200], [1, T0 + 600], [9, T0]])), 'record older and newer uses');
  t.same((await both((k) => k.page(undefined, 10), 'after the uses')).map((r) => r.lastUsedAt), [T0 + 600, T0 + 300, null], 'forward, never back');
});

t.test('two nodes recording uses of the same keys at once: the latest stays, no deadlock', async (t) => {
  const pool = await pgPool(t);
  const keys = createKeyRepo(pool);
  for (let n = 1; n <= 5; n++) await keys.insert({ name: `k${n}`, scope: 'read', prefix: `p${n}`, secretHash: `h${n}`, sections: null, sources: null, createdAt: T0 });
  const a = new Map([5, 4, 3, 2, 1].map((id) => [id, T0 + 100 * id]));
  const b = new Map([1, 2, 3, 4, 5].map((id) => [id, T0 + 1000 - id]));
  for (let i = 0; i < 10; i++) await Promise.all([inTransaction(pool, (c) => createKeyRepo(c).recordUses(a)), inTransaction(pool, (c) => createKeyRepo(c).recordUses(b))]);
  t.same((await keys.page(undefined, 10)).map((k) => k.lastUsedAt), [1, 2, 3, 4, 5].map((id) => Math.max(T0 + 100 * id, T0 + 1000 - id)));
});

const NOW = T0 + 10_000;
const ARTICLES: ArticleSeed[] = [
  { id: 1, sectionId: 1, sourceId: 1, publishedAt: T0 + 1, updatedAt: T0 + 50 },
  { id: 2, sectionId: 2, publishedAt: T0 + 2, updatedAt: T0 },
  { id: 3, sectionId: 1, status: 'draft', publishedAt: null },
  { id: 4, sectionId: 1, publishedAt: NOW + 1 }, // scheduled
  { id: 5, sectionId: 2, sourceId: 1, publishedAt: T0 + 3, updatedAt: T0 + 9000 },
  { id: 6, sectionId: 1, publishedAt: T0 + 4, deletedAt: T0 + 5 },
  { id: 7, sectionId: 1, status: 'archived', publishedAt: T0 + 5 },
  { id: 8, sectionId: 2, sourceId: 2, publishedAt: T0 + 3, updatedAt: T0 + 3 },
  { id: 9, sectionId: 1, publishedAt: T0 + 8 },
  { id: 10, sectionId: 2, publishedAt: NOW },
];

t.test('sitemaps give what SQLite gives, for every viewer', async (t) => {
  const pool = await pgPool(t);
  const lite = sqliteStore(t);
  await pgSection(pool, 1);
  await pgSection(pool, 2);
  await pgSource(pool, 1);
  await pgSource(pool, 2);
  for (const a of ARTICLES) await pgArticle(pool, a);
  await sqliteSeed(lite, [1, 2], [1, 2], ARTICLES);
  const pg = createSitemapRepo(pool);
  const views: [string, Visibility][] = [
    ['a reader', { editor: false, now: NOW, sectionIds: null, sourceIds: null }],
    ['a reader, later', { editor: false, now: NOW + 1, sectionIds: null, sourceIds: null }],
    ['a partner of section 2', { editor: false, now: NOW, sectionIds: [2], sourceIds: null }],
    ['a partner of source 1', { editor: false, now: NOW, sectionIds: null, sourceIds: [1] }],
    ['a partner of nothing', { editor: false, now: NOW, sectionIds: [], sourceIds: [] }],
    ['an editor', { editor: true, now: NOW, sectionIds: null, sourceIds: null }],
  ];
  const both = async <T>(work: (s: SitemapRepo) => Promise<T>, message: string): Promise<T> => {
    const p = await work(pg);
    t.same(p, await work(lite.sitemaps), message);
    return p;
  };
  for (const [name, view] of views) {
    for (const size of [1, 2, 3, 50]) {
      const pages = await both((s) => s.pages(view, size), `${name}: pages of ${size}`);
      for (const { page } of [...pages, { page: pages.length + 1 }]) await both((s) => s.page(view, page, size), `${name}: page ${page} of ${size}`);
    }
    for (const since of [0, T0 + 3, NOW + 5]) for (const limit of [1, 3, 50]) await both((s) => s.publishedSince(view, since, limit), `${name}: since ${since - T0}, ${limit}`);
  }
  t.same(await pg.pages(views[0]![1], 3), [
    { page: 1, lastmod: T0 + 9000 },
    { page: 2, lastmod: NOW },
  ], 'a page changes with its latest edit or coming-due');
  t.same((await pg.page(views[0]![1], 1, 50)).map((a) => a.id), [1, 2, 5, 8, 9, 10], 'readers: published, due, not trashed');
  t.same((await pg.publishedSince(views[0]![1], 0, 50)).map((a) => a.id), [10, 9, 8, 5, 2, 1], 'newest first, ties by id');
  t.same((await pg.page(views[0]![1], 1, 1))[0], { id: 1, slug: 'a-1', sectionSlug: 's1', title: 'Article 1', publishedAt: T0 + 1, lastmod: T0 + 50 });
});

t.test('nodes starting at once on a new database make one first admin key, and one key of MASTHEAD_ADMIN_KEY', async (t) => {
  const { openPostgresStore } = await import('../../../src/store/postgres/store.js');
  const { createKeyService } = await import('../../../src/keys/service.js');
  const { freshDatabase } = await import('../../helpers/postgres.js');
  const url = await freshDatabase(t);
  const stores = await Promise.all([1, 2, 3].map(async () => (await openPostgresStore(url, { poolSize: 2 })).store));
  t.teardown(() => Promise.all(stores.map((s) => s.close())));
  const services = stores.map((s) => createKeyService(s, () => T0));
  const { createPool } = await import('../../../src/store/postgres/connection.js');
  const admin = createPool(url, { poolSize: 1 });
  t.teardown(() => admin.end());
  for (let round = 0; round < 5; round++) {
    // Each round on a database that has never had a key: revoked keys count, so clear by hand.
    await admin.query('TRUNCATE api_keys');
    const made = await Promise.all(services.map((s) => s.createFirstAdminKey('first admin key')));
    t.equal(made.filter(Boolean).length, 1, `round ${round}: one node made the key, the others found one`);
    t.equal(await stores[1]!.keys.count(), 1);
    const secret = `mh_${String(round).repeat(43)}`;
    const ensured = await Promise.all(services.map((s) => s.ensureAdminKey(secret)));
    t.same(ensured.map((e) => e.outcome).sort(), ['created', 'exists', 'exists'], `round ${round}: MASTHEAD_ADMIN_KEY created once, found twice, none failed`);
  }
});
