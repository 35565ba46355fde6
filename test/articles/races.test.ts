import t from 'tap';
import { buildTestApp, call, type TestApp } from '../helpers/app.js';
import { readAll } from '../changes/helpers.js';
import { factories } from '../helpers/factories.js';

/**
 * Writes that arrive at the same moment. Nothing here may hold only because SQLite has one
 * writer: updates are conditional on the version the caller read, and colliding inserts rely on
 * the unique constraints, so the same cases must hold on any adapter of the port.
 */

/** Every event of the change feed, as an admin pages through it. */
const feedOf = async (ctx: TestApp) => (await readAll(ctx.app, ctx.auth.admin)).events;

const revisionsOf = async (ctx: TestApp, id: number) =>
  (await call(ctx.app, { method: 'GET', url: `/v1/articles/${id}/revisions`, headers: ctx.auth.write })).body.data as { revision: number }[];

t.test('two PATCHes with the same If-Match at once: one 200, one 412, one revision, one feed event', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const section = await f.section();
  const article = await f.article(section.id, { title: '原标题' });
  const patch = (title: string) =>
    call(ctx.app, { method: 'PATCH', url: `/v1/articles/${article.id}`, headers: { ...ctx.auth.write, 'if-match': '"1"' }, payload: { title } });
  const answers = await Promise.all([patch('甲方标题'), patch('乙方标题')]);
  t.same(answers.map((a) => a.status).sort(), [200, 412]);
  const winner = answers.find((a) => a.status === 200)!;
  t.match(answers.find((a) => a.status === 412)!.body, { code: 'version-mismatch', currentVersion: 2 });
  const now = await call(ctx.app, { method: 'GET', url: `/v1/articles/${article.id}` });
  t.match(now.body, { title: winner.body.title, version: 2 }, 'the stored state is the winner’s');
  t.same((await revisionsOf(ctx, article.id)).map((r) => r.revision).sort(), [1, 2], 'the loser wrote no revision');
  const updates = (await feedOf(ctx)).filter((e) => e.resource === 'article' && e.op === 'update');
  t.equal(updates.length, 1, 'the loser wrote no change event');
});

t.test('many PATCHes, each with the version it read: versions strictly increase and none is lost', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const article = await f.article((await f.section()).id);
  // Ten writers all hold version 1; then each retries with the version the 412 names until it wins.
  const writer = async (n: number) => {
    for (let version = 1; ; ) {
      const res = await call(ctx.app, {
        method: 'PATCH',
        url: `/v1/articles/${article.id}`,
        headers: { ...ctx.auth.write, 'if-match': `"${version}"` },
        payload: { tags: [`标签${n}`] },
      });
      if (res.status === 200) return res.body.version as number;
      if (res.status !== 412) throw new Error(`PATCH answered ${res.status}`);
      version = res.body.currentVersion;
    }
  };
  const won = await Promise.all(Array.from({ length: 10 }, (_, n) => writer(n)));
  t.same([...won].sort((a, b) => a - b), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 'each writer got its own version');
  t.equal((await revisionsOf(ctx, article.id)).length, 11, 'one revision per successful write');
});

t.test('two trashes with the same If-Match at once: one succeeds, one 412', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const article = await f.article((await f.section()).id);
  const trash = () => call(ctx.app, { method: 'DELETE', url: `/v1/articles/${article.id}`, headers: { ...ctx.auth.write, 'if-match': '"1"' } });
  const answers = await Promise.all([trash(), trash()]);
  const [first, second] = answers.map((a) => a.status).sort();
  t.equal(second, 412, 'the second trash is refused');
  t.ok(first !== undefined && first >= 200 && first < 300, 'the first trash succeeds');
  const deletes = (await feedOf(ctx)).filter((e) => e.resource === 'article' && e.op === 'delete');
  t.equal(deletes.length, 1, 'one delete event');
});

for (const [field, value, code] of [
  ['slug', 'tianjin-news', 'slug-taken'],
  ['externalId', 'xinhua:2026-12-05:001', 'external-id-taken'],
] as const) {
  t.test(`two creates of the same ${field} at once: one 201, one 409 ${code}`, async (t) => {
    const ctx = await buildTestApp(t);
    const section = await factories(ctx).section();
    const post = (title: string) =>
      call(ctx.app, { method: 'POST', url: '/v1/articles', headers: ctx.auth.write, payload: { title, sectionId: section.id, [field]: value } });
    const answers = await Promise.all([post('天津新闻'), post('天津消息')]);
    t.same(answers.map((a) => a.status).sort(), [201, 409]);
    t.equal(answers.find((a) => a.status === 409)!.body.code, code);
    const list = await call(ctx.app, { method: 'GET', url: '/v1/articles?status=draft', headers: ctx.auth.write });
    t.equal(list.body.data.length, 1, 'one article stored');
    const creates = (await feedOf(ctx)).filter((e) => e.resource === 'article' && e.op === 'create');
    t.equal(creates.length, 1, 'one create event');
  });
}

t.test('two creates of the same title at once get two slugs', async (t) => {
  const ctx = await buildTestApp(t);
  const section = await factories(ctx).section();
  const post = () => call(ctx.app, { method: 'POST', url: '/v1/articles', headers: ctx.auth.write, payload: { title: 'Tianjin Port', sectionId: section.id } });
  const answers = await Promise.all([post(), post(), post()]);
  t.same(answers.map((a) => a.status), [201, 201, 201]);
  t.equal(new Set(answers.map((a) => a.body.slug)).size, 3);
});

t.test('related links added at once to one article: each bumps the version once, positions distinct', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const article = await f.article((await f.section()).id);
  const add = (n: number) =>
    call(ctx.app, {
      method: 'POST',
      url: `/v1/articles/${article.id}/related-links`,
      headers: ctx.auth.write,
      payload: { url: `https://example.com/相关/${n}`, title: `相关报道 ${n}` },
    });
  const answers = await Promise.all([add(1), add(2), add(3), add(4)]);
  t.same(answers.map((a) => a.status), [201, 201, 201, 201]);
  t.same(answers.map((a) => a.body.articleVersion).sort(), [2, 3, 4, 5], 'each answer names the version it made');
  t.equal(new Set(answers.map((a) => a.body.position)).size, 4, 'no two links share a position');
  const now = await call(ctx.app, { method: 'GET', url: `/v1/articles/${article.id}` });
  t.equal(now.body.version, 5);
});

t.test('a PATCH racing a related-link add with the version before it: exactly one of them changes the article at version 1', async (t) => {
  const ctx = await buildTestApp(t);
  const f = factories(ctx);
  const article = await f.article((await f.section()).id);
  const [patched, linked] = await Promise.all([
    call(ctx.app, { method: 'PATCH', url: `/v1/articles/${article.id}`, headers: { ...ctx.auth.write, 'if-match': '"1"' }, payload: { title: '新标题' } }),
    call(ctx.app, {
      method: 'POST',
      url: `/v1/articles/${article.id}/related-links`,
      headers: ctx.auth.write,
      payload: { url: 'https://example.com/链接', title: '链接' },
    }),
  ]);
  t.equal(linked.status, 201, 'a link add holds no If-Match');
  const now = await call(ctx.app, { method: 'GET', url: `/v1/articles/${article.id}` });
  if (patched.status === 200) {
    t.same([patched.body.version, linked.body.articleVersion], [2, 3], 'the PATCH went first');
    t.equal(now.body.title, '新标题');
  } else {
    t.equal(patched.status, 412, 'the link went first, so the PATCH held a stale version');
    t.equal(linked.body.articleVersion, 2);
  }
  t.equal(now.body.version, patched.status === 200 ? 3 : 2, 'no version was handed out twice');
});
