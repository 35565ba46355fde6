import { readFileSync } from 'node:fs';
import t from 'tap';
import { assertProblem, buildTestApp, call } from '../helpers/app.js';
import { readAll } from '../changes/helpers.js';
import { allLinks } from '../helpers/store-rows.js';
import { count, importBody, NDJSON, ndjson, seedRecords, versions } from './fixtures.js';

t.test('imports sections, sources and articles by slug, with forward related links, sanitised and indexed', async (t) => {
  const ctx = await buildTestApp(t);
  const res = await importBody(ctx, ndjson(seedRecords()));
  t.equal(res.status, 200);
  t.match(String(res.headers['content-type']), /^application\/json/);
  t.same(res.body, { created: 5, updated: 0, unchanged: 0, failed: 0, lines: 5, dryRun: false, errors: [], errorsTruncated: false });

  const zhengqing = (await ctx.store.sections.bySlug('zhengqing'))!;
  t.equal((await ctx.store.sections.byId(zhengqing.parentId!))?.slug, 'tianjin', 'the parent is named by slug');
  const a1 = (await call(ctx.app, { method: 'GET', url: '/v1/articles/slug/gan-su-sheng-dang-zheng-dai-biao-tuan-lai-jin-kao-cha?include=section,source,relatedLinks', headers: ctx.auth.write })).body;
  t.equal(a1.externalId, 'tjrb-20230419-001');
  t.equal(a1.body, '<p>4月17日至18日,甘肃省党政代表团来津考察。</p><p>市委书记陈敏尔主持座谈会并讲话。</p>', 'the body is sanitised as the API does');
  t.equal(a1.section.slug, 'zhengqing');
  t.equal(a1.source.slug, 'tianjin-daily');
  t.same(a1.tags, ['津甘协作', '东西部协作']);
  t.equal(a1.publishedAt, '2023-04-19T00:00:00.000Z');
  t.match(a1.relatedLinks, [{ targetSlug: 'han-fu-ying-tian-li-chun-se-ran-yi-shang', url: null }, { url: 'https://www.enorth.com.cn/news/1.html', title: '联合国预测:2023年印度人口数量将超过中国' }]);
  t.equal(a1.relatedLinks.length, 2, 'the forward reference (a later line) resolved');
  const a2 = (await call(ctx.app, { method: 'GET', url: '/v1/articles/slug/han-fu-ying-tian-li-chun-se-ran-yi-shang?include=relatedLinks', headers: ctx.auth.write })).body;
  t.equal(a2.status, 'draft');
  t.equal(a2.relatedLinks[0].targetArticleId, a1.id, 'a link by slug');

  const found = await call(ctx.app, { method: 'GET', url: '/v1/search?q=%E7%94%98%E8%82%83', headers: ctx.auth.write });
  t.equal(found.status, 200);
  t.same(found.body.data.map((a: { id: number }) => a.id), [a1.id], 'imported articles are in the search index');
});

t.test('re-running the same file changes nothing; a changed line updates', async (t) => {
  const ctx = await buildTestApp(t);
  await importBody(ctx, ndjson(seedRecords()));
  const before = await versions(ctx);
  const links = await allLinks(ctx.store);
  ctx.clock.advance(60_000);
  const again = await importBody(ctx, ndjson(seedRecords()));
  t.same(again.body, { created: 0, updated: 0, unchanged: 5, failed: 0, lines: 5, dryRun: false, errors: [], errorsTruncated: false });
  t.same(await versions(ctx), before, 'no version or updatedAt moved');
  t.equal(await count(ctx, 'revisions'), 0, 'no revision written');
  t.same(await allLinks(ctx.store), links, 'the links were left alone');

  const records = seedRecords();
  (records[3] as { title: string }).title = '甘肃省党政代表团来津考察(更新)';
  (records[4] as { relatedLinks: unknown[] }).relatedLinks = [];
  const changed = await ctx.app.inject({ method: 'POST', url: '/v1/import?report=lines', headers: { ...ctx.auth.write, ...NDJSON }, payload: ndjson(records) });
  t.match(String(changed.headers['content-type']), /^application\/x-ndjson/);
  const lines = changed.body.trim().split('\n').map((l) => JSON.parse(l));
  t.match(lines, [
    { line: 1, type: 'section', slug: 'tianjin', status: 'unchanged', id: Number },
    { line: 2, status: 'unchanged' },
    { line: 3, type: 'source', status: 'unchanged' },
    { line: 4, type: 'article', externalId: 'tjrb-20230419-001', status: 'updated', id: (before[0] as { id: number }).id },
    { line: 5, externalId: 'tjrb-20230419-002', status: 'updated' },
    { summary: { created: 0, updated: 2, unchanged: 3, failed: 0, lines: 5, dryRun: false } },
  ]);
  t.same((await versions(ctx)).map((v) => (v as { version: number }).version), [2, 2], 'each changed article moved one version');
  t.equal(await count(ctx, 'revisions'), 1, 'the field change kept a revision (a links-only change does not, as with the links API)');
  const second = (await ctx.store.articles.byExternalId('tjrb-20230419-002'))!;
  t.same(await ctx.store.links.ofArticle(second.id), [], 'an empty list removed its links');
  t.equal(await count(ctx, 'relatedLinks'), 2, 'the other article kept its two');
});

t.test('a changed body re-versions its own article only, not the articles that link to it', async (t) => {
  const ctx = await buildTestApp(t);
  await importBody(ctx, ndjson(seedRecords()));
  const before = (await versions(ctx)) as { id: number; version: number; updatedAt: number }[];
  const feedBefore = (await readAll(ctx.app, ctx.auth.admin)).next;
  ctx.clock.advance(60_000);
  const records = seedRecords();
  // The first article links to the second; only the second's body changes.
  (records[4] as Record<string, unknown>).body = '<p>春色染衣裳,正文改了。</p>';
  const res = await importBody(ctx, ndjson(records));
  t.match(res.body, { created: 0, updated: 1, unchanged: 4, failed: 0 });
  const after = (await versions(ctx)) as typeof before;
  t.same(after[0], before[0], 'the linking article kept its version and updatedAt');
  t.equal(after[1]!.version, before[1]!.version + 1, 'the changed article moved one version');
  t.equal(await count(ctx, 'revisions'), 1, 'one revision, of the changed article');
  const events = (await readAll(ctx.app, ctx.auth.admin, feedBefore)).events;
  t.same(events.map((e) => `${e.resource}:${e.id}:${e.op}`), [`article:${before[1]!.id}:update`], 'one feed event');
});

t.test('related links an import writes are in the change feed as the links API writes them; a re-run adds nothing', async (t) => {
  const ctx = await buildTestApp(t);
  await importBody(ctx, ndjson(seedRecords()));
  const first = await readAll(ctx.app, ctx.auth.admin);
  const links = first.events.filter((e) => e.resource === 'relatedLink');
  t.same(links.map((e) => e.op), ['create', 'create', 'create'], 'one create per link written');
  const stored = await call(ctx.app, { method: 'GET', url: '/v1/articles/slug/gan-su-sheng-dang-zheng-dai-biao-tuan-lai-jin-kao-cha?include=relatedLinks', headers: ctx.auth.write });
  t.same(
    links.filter((e) => e.articleId === stored.body.id).map((e) => e.id).sort(),
    stored.body.relatedLinks.map((l: { id: number }) => l.id).sort(),
    'each event names its link and its article',
  );
  await importBody(ctx, ndjson(seedRecords()));
  t.same((await readAll(ctx.app, ctx.auth.admin, first.next)).events, [], 'an unchanged file writes no event');

  // The first article drops its internal link, keeps the external one (now first, retitled) and adds another.
  const records = seedRecords();
  (records[3] as Record<string, unknown>).relatedLinks = [
    { url: 'https://www.enorth.com.cn/news/1.html', title: '印度人口将超过中国' },
    { url: 'https://www.enorth.com.cn/news/2.html', title: '津甘协作新闻' },
  ];
  const res = await importBody(ctx, ndjson(records));
  t.match(res.body, { updated: 1, unchanged: 4 });
  const external = stored.body.relatedLinks.find((l: { url: string | null }) => l.url !== null);
  const internal = stored.body.relatedLinks.find((l: { url: string | null }) => l.url === null);
  const events = (await readAll(ctx.app, ctx.auth.admin, first.next)).events;
  const added = events.find((e) => e.resource === 'relatedLink' && e.op === 'create');
  t.same(
    events.map((e) => `${e.resource}:${e.op}:${e.id}`),
    [`relatedLink:delete:${internal.id}`, `relatedLink:update:${external.id}`, `relatedLink:create:${added?.id}`, `article:update:${stored.body.id}`],
    'the removed link deleted, the kept one updated in place (same id), the new one created, then the article',
  );
  const now = await call(ctx.app, { method: 'GET', url: `/v1/articles/${stored.body.id}/related-links`, headers: ctx.auth.write });
  t.match(now.body.data, [
    { id: external.id, position: 0, title: '印度人口将超过中国' },
    { id: added?.id, position: 1, url: 'https://www.enorth.com.cn/news/2.html' },
  ]);
});

t.test('bad lines fail alone, with their line numbers and field pointers; blank lines, a BOM and CRLF are fine', async (t) => {
  const ctx = await buildTestApp(t);
  const body = ndjson(
    [
      { type: 'section', slug: 'tianjin', name: '天津' },
      '',
      '{"type": "article", "title": ',
      { type: 'article', externalId: 'x-1', title: 5, section: 'tianjin', tags: 'politics' },
      { type: 'widget', slug: 'w' },
      { type: 'article', externalId: 'x-2', title: '无处可去', section: 'nowhere' },
      { type: 'article', externalId: 'x-3', title: '天津新闻', section: 'tianjin', relatedLinks: [{ externalId: 'never-there' }, { externalId: 'x-4' }] },
      '[1, 2]',
      { type: 'article', externalId: 'x-4', title: '又一条天津新闻', section: 'tianjin', status: 'published', unknownField: 1 },
      { type: 'article', title: '没有键', section: 'tianjin' },
      '   ',
      { type: 'article', externalId: 'x-5', title: '自引', section: 'tianjin', relatedLinks: [{ externalId: 'x-5' }] },
    ],
    '\r\n',
  );
  const res = await importBody(ctx, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]), '?batchSize=4');
  t.equal(res.status, 200);
  t.match(res.body, { created: 1, updated: 0, unchanged: 0, failed: 9, lines: 12, errorsTruncated: false });
  const byLine = Object.fromEntries(res.body.errors.map((e: { line: number }) => [e.line, e]));
  t.same(Object.keys(byLine).map(Number).sort((a, b) => a - b), [3, 4, 5, 6, 7, 8, 9, 10, 12]);
  t.match(byLine[3], { type: null, problems: [{ pointer: '', message: /^Not valid JSON/ }] });
  t.match(byLine[4], { type: 'article', externalId: 'x-1' });
  t.same(byLine[4].problems.map((p: { pointer: string }) => p.pointer).sort(), ['/tags', '/title']);
  t.match(byLine[5], { type: null, slug: 'w', problems: [{ pointer: '/type', message: 'Must be one of section, source, article' }] });
  t.same(byLine[6].problems, [{ pointer: '/section', message: 'No section has this slug' }]);
  const missing = 'No article has this externalId, in the database or anywhere in the file';
  t.same(byLine[7].problems, [{ pointer: '/relatedLinks/0/externalId', message: missing }, { pointer: '/relatedLinks/1/externalId', message: missing }], 'x-4 failed, so it never appeared either');
  t.match(byLine[8], { type: null, problems: [{ pointer: '', message: 'Each line must be a JSON object' }] });
  t.same(byLine[9].problems, [{ pointer: '/', message: 'Unrecognized key: "unknownField"' }], 'unknown fields are refused, as the API does');
  t.match(byLine[10].problems, [{ pointer: '/externalId', message: /needs an externalId/ }]);
  t.match(byLine[12].problems, [{ pointer: '/relatedLinks/0/externalId', message: 'An article cannot link to itself' }]);
  t.equal(res.body.errors.length, 9, 'each failed line is listed once');
  const x3 = await ctx.store.articles.byExternalId('x-3');
  t.ok(x3, 'the article whose link target never appeared is kept');
  t.same(await count(ctx, 'relatedLinks'), 0, 'none of its targets exist, so x-3 has no links');
  t.same(await count(ctx, 'articles'), 1);
});

t.test('a line over 5 MB fails alone; the next one is read', async (t) => {
  const ctx = await buildTestApp(t);
  const huge = JSON.stringify({ type: 'article', externalId: 'big', title: '大', section: 'tianjin', body: `<p>${'长'.repeat(2 * 1024 * 1024)}</p>` });
  const body = ndjson([{ type: 'section', slug: 'tianjin', name: '天津' }, huge, { type: 'article', externalId: 'after', title: '之后', section: 'tianjin' }]);
  const res = await importBody(ctx, body);
  t.match(res.body, { created: 2, failed: 1, lines: 3, errors: [{ line: 2, type: null, problems: [{ pointer: '', message: 'The line is longer than 5242880 bytes' }] }] });
  t.ok(await ctx.store.articles.byExternalId('after'));
});

t.test('modes: create-only refuses existing records, update-only new ones', async (t) => {
  const ctx = await buildTestApp(t);
  await importBody(ctx, ndjson(seedRecords().slice(0, 4).map((r) => ({ ...r, relatedLinks: undefined }))));
  const records = [
    { type: 'section', slug: 'tianjin', name: '天津' },
    { type: 'article', externalId: 'tjrb-20230419-001', title: '改', section: 'tianjin' },
    { type: 'article', externalId: 'new-1', title: '新', section: 'tianjin' },
  ];
  const createOnly = await importBody(ctx, ndjson(records), '?mode=create-only');
  t.match(createOnly.body, { created: 1, failed: 2 });
  t.same(createOnly.body.errors.map((e: { line: number; problems: { pointer: string }[] }) => [e.line, e.problems[0]!.pointer]), [[1, '/slug'], [2, '/externalId']]);
  const updateOnly = await importBody(ctx, ndjson([...records, { type: 'article', externalId: 'new-2', title: '新二', section: 'tianjin' }]), '?mode=update-only');
  t.match(updateOnly.body, { created: 0, updated: 1, unchanged: 2, failed: 1, errors: [{ line: 4, externalId: 'new-2', problems: [{ pointer: '/externalId', message: /mode=update-only/ }] }] });
  t.equal((await ctx.store.articles.byExternalId('tjrb-20230419-001'))?.title, '改');
});

t.test('the route: write scope, NDJSON only, query checked, body limit', async (t) => {
  const ctx = await buildTestApp(t, { importBodyLimit: 2048 });
  const body = ndjson(seedRecords());
  assertProblem(t, await call(ctx.app, { method: 'POST', url: '/v1/import', headers: NDJSON, payload: body }), 401);
  assertProblem(t, await call(ctx.app, { method: 'POST', url: '/v1/import', headers: { ...ctx.auth.read, ...NDJSON }, payload: body }), 403, 'insufficient-scope');
  assertProblem(t, await call(ctx.app, { method: 'POST', url: '/v1/import', headers: { ...ctx.auth.write, 'content-type': 'application/json' }, payload: '{}' }), 415);
  const bad = assertProblem(t, await importBody(ctx, body, '?mode=merge&batchSize=0'), 400, 'validation-failed');
  t.same(bad.errors.map((e: { pointer: string }) => e.pointer).sort(), ['/batchSize', '/mode']);
  assertProblem(t, await importBody(ctx, 'x'.repeat(4096)), 413, 'body-too-large');
  t.equal(await count(ctx, 'sections'), 0);
  const empty = await importBody(ctx, '');
  t.match(empty.body, { created: 0, failed: 0, lines: 0 });
});

t.test('the example in docs/import-export.md imports as it says, and re-runs unchanged', async (t) => {
  const ctx = await buildTestApp(t);
  const doc = readFileSync(new URL('../../docs/import-export.md', import.meta.url), 'utf8');
  const example = /```ndjson\n([\s\S]*?)```/.exec(doc)![1]!;
  t.same((await importBody(ctx, example)).body, { created: 5, updated: 0, unchanged: 0, failed: 0, lines: 5, dryRun: false, errors: [], errorsTruncated: false });
  t.match((await importBody(ctx, example)).body, { unchanged: 5, failed: 0 });
  t.equal(await count(ctx, 'relatedLinks'), 3);
});
