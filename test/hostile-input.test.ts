import type { InjectOptions } from 'fastify';
import t, { type Test } from 'tap';
import { assertProblem, buildTestApp, call, type TestApp } from './helpers/app.js';
import { factories, withHeaders, writeHeadersOf } from './helpers/factories.js';

/**
 * Whatever a client sends, the answer is a 4xx problem and nothing is stored: every write
 * endpoint gets the same battery of malformed, mistyped, oversized and malicious bodies.
 */

const TABLES = ['articles', 'article_tags', 'article_revisions', 'sections', 'sources', 'related_links'];
const snapshot = (ctx: TestApp) => JSON.stringify(TABLES.map((table) => ctx.db.$client.prepare(`SELECT * FROM ${table}`).all()));

type Target = { name: string; method: 'POST' | 'PATCH'; url: string; valid: Record<string, unknown>; fields: Record<string, unknown[]> };

const ID_VALUES = [1e308, 2 ** 53, -1, 0, 1.5, '1', true, [1], { id: 1 }];
const TEXT_VALUES = [5, true, [], {}, 'a\u0000b', 'a\u0007b'];

async function setup(t: Test) {
  const ctx = await buildTestApp(t);
  const make = factories(ctx);
  const section = await make.section({ name: '天津', slug: 'tianjin' });
  const source = await make.source({ name: '天津日报', slug: 'tianjin-daily' });
  const article = await make.article(section.id, { title: '原标题', slug: 'original', tags: ['甘肃'], sourceId: source.id });
  const articleFields: Record<string, unknown[]> = {
    title: [...TEXT_VALUES, null, '', '   ', 'x'.repeat(301)],
    slug: [5, null, 'Has Space', '天津', 'x'.repeat(97)],
    subtitle: [...TEXT_VALUES, 'x'.repeat(301)],
    summary: [...TEXT_VALUES, 'x'.repeat(2001)],
    body: [5, null, [], {}, 'a\u0000b'],
    byline: [...TEXT_VALUES, 'x'.repeat(201)],
    sectionId: [...ID_VALUES, null],
    sourceId: ID_VALUES,
    sourceUrl: [5, 'javascript:alert(1)', 'ftp://x.example/', 'no url', `https://x.example/${'a'.repeat(2100)}`],
    tags: ['甘肃', [5], [null], ['a,b'], [''], ['x'.repeat(51)], Array.from({ length: 51 }, (_, i) => `t${i}`), { 0: 'a' }],
    coverImageUrl: [5, 'data:image/png;base64,AAAA', 'javascript:alert(1)'],
    status: [5, null, 'live', 'PUBLISHED', ['published']],
    publishedAt: [5, 'yesterday', '2023-04-19', '2023-04-19T08:00:00+08:00', 1681862400000, '2023-13-40T00:00:00.000Z'],
    externalId: [...TEXT_VALUES, '', 'x'.repeat(201)],
  };
  const targets: Target[] = [
    { name: 'POST /v1/articles', method: 'POST', url: '/v1/articles', valid: { title: '新闻', sectionId: section.id }, fields: articleFields },
    { name: 'PATCH /v1/articles/{id}', method: 'PATCH', url: `/v1/articles/${article.id}`, valid: {}, fields: articleFields },
    {
      name: 'POST /v1/sections',
      method: 'POST',
      url: '/v1/sections',
      valid: { name: '政情' },
      fields: {
        name: [...TEXT_VALUES, null, '', 'x'.repeat(101)],
        slug: [5, null, 'Bad Slug'],
        description: [5, [], 'a\u0000b', 'x'.repeat(2001)],
        parentId: ID_VALUES,
        position: [1e308, 2 ** 53, -(2 ** 53), 1.5, '1', null, 1_000_001],
      },
    },
    {
      name: 'POST /v1/sources',
      method: 'POST',
      url: '/v1/sources',
      valid: { name: '新华社' },
      fields: {
        name: [...TEXT_VALUES, null, '', 'x'.repeat(201)],
        slug: [5, null, 'Bad Slug'],
        url: [5, 'javascript:alert(1)', 'not a url'],
        kind: [5, null, 'blog', ['agency']],
      },
    },
  ];
  return { ...ctx, w: withHeaders(writeHeadersOf(ctx)), targets, article };
}

/** Sends a request, asserts a 4xx problem (of `status` when given) and that no table changed. */
async function refused(t: Test, ctx: TestApp, w: (o: InjectOptions) => InjectOptions, opts: InjectOptions, status?: number) {
  const before = snapshot(ctx);
  const res = await call(ctx.app, w(opts));
  if (status) assertProblem(t, res, status);
  else {
    t.ok(res.status >= 400 && res.status < 500, `4xx (got ${res.status})`);
    assertProblem(t, res, res.status);
  }
  t.equal(snapshot(ctx), before, 'nothing stored');
  return res.body;
}

const raw = (target: Target, payload: string, type = 'application/json'): InjectOptions => ({
  method: target.method,
  url: target.url,
  payload,
  headers: { 'content-type': type },
});

t.test('malformed, empty and non-object JSON bodies', async (t) => {
  const ctx = await setup(t);
  for (const target of ctx.targets) {
    for (const text of ['{"title":', '{title: "x"}', "{'title':'x'}", '{"a":1,}', 'nul', '{"a":1}{"b":2}', '\u0000']) {
      const p = await refused(t, ctx, ctx.w, raw(target, text), 400);
      t.equal(p.code, 'malformed-json', `${target.name}: ${JSON.stringify(text)}`);
    }
    t.equal((await refused(t, ctx, ctx.w, raw(target, ''), 400)).code, 'empty-body', `${target.name}: empty body`);
    for (const text of ['[]', `[${JSON.stringify(target.valid)}]`, '42', 'null', '"a string"', 'true', '1e400']) {
      await refused(t, ctx, ctx.w, raw(target, text), 400);
      t.pass(`${target.name}: ${text}`);
    }
  }
});

t.test('wrong types, bad values and over-long strings for every field', async (t) => {
  const ctx = await setup(t);
  for (const target of ctx.targets) {
    for (const [field, values] of Object.entries(target.fields)) {
      for (const value of values) {
        const p = await refused(t, ctx, ctx.w, { method: target.method, url: target.url, payload: { ...target.valid, [field]: value } }, 400);
        const label = JSON.stringify(value)?.slice(0, 40);
        t.ok(p.errors?.some((e: { pointer: string }) => e.pointer === `/${field}` || e.pointer.startsWith(`/${field}/`)), `${target.name} ${field}=${label} names the field`);
      }
    }
  }
});

t.test('unknown and read-only fields, prototype pollution', async (t) => {
  const ctx = await setup(t);
  for (const target of ctx.targets) {
    for (const extra of [{ colour: 'red' }, { id: 99 }, { version: 7 }, { createdAt: '2023-04-19T00:00:00.000Z' }, { bodyText: 'x' }, { deletedAt: null }]) {
      const p = await refused(t, ctx, ctx.w, { method: target.method, url: target.url, payload: { ...target.valid, ...extra } }, 400);
      t.match(p.errors, [{ in: 'body' }], `${target.name}: ${Object.keys(extra)[0]} refused`);
    }
    const valid = JSON.stringify(target.valid).slice(1, -1);
    const sep = valid ? ',' : '';
    for (const evil of ['"__proto__":{"polluted":true}', '"constructor":{"prototype":{"polluted":true}}', '"constructor":"x"', '"__proto__":null']) {
      await refused(t, ctx, ctx.w, raw(target, `{${valid}${sep}${evil}}`), 400);
      t.equal(({} as Record<string, unknown>).polluted, undefined, `${target.name}: ${evil} pollutes nothing`);
    }
  }
});

t.test('NUL bytes and lone surrogates sent as raw JSON text', async (t) => {
  const ctx = await setup(t);
  for (const target of ctx.targets) {
    const field = 'title' in target.fields ? 'title' : 'name';
    for (const escaped of ['\\ud800', '\\udfff', 'a\\ud800b', '\\udc00\\ud800', 'a\\u0000b']) {
      const body = JSON.stringify(target.valid).slice(1, -1);
      const text = `{${body}${body ? ',' : ''}"${field}":"${escaped}"}`;
      const p = await refused(t, ctx, ctx.w, raw(target, text), 400);
      t.match(p.errors, [{ pointer: `/${field}` }], `${target.name}: "${escaped}"`);
    }
  }
  const article = ctx.targets[0]!;
  for (const field of ['body', 'summary', 'byline', 'externalId']) {
    await refused(t, ctx, ctx.w, raw(article, `{"title":"x","sectionId":1,"${field}":"\\ud800"}`), 400);
  }
  const tags = await refused(t, ctx, ctx.w, raw(article, '{"title":"x","sectionId":1,"tags":["\\udfff"]}'), 400);
  t.match(tags.errors, [{ pointer: '/tags/0' }]);
});

t.test('media types and body size', async (t) => {
  const ctx = await setup(t);
  for (const target of ctx.targets) {
    const json = JSON.stringify(target.valid);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/json']) {
      const p = await refused(t, ctx, ctx.w, raw(target, json, type), 415);
      t.equal(p.code, 'unsupported-media-type', `${target.name}: ${type}`);
    }
    const big = await refused(t, ctx, ctx.w, raw(target, JSON.stringify({ ...target.valid, summary: 'x'.repeat(1024 * 1024) })), 413);
    t.equal(big.code, 'body-too-large', `${target.name}: over 1 MiB`);
    const deep = `{${json.slice(1, -1)}${json.length > 2 ? ',' : ''}"title":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    await refused(t, ctx, ctx.w, raw(target, deep), 400);
    const deepObject = `{"x":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`;
    await refused(t, ctx, ctx.w, raw(target, deepObject), 400);
  }
});

t.test('article title of 301 characters and body over 2,000,000 characters', async (t) => {
  const ctx = await setup(t);
  const [create] = ctx.targets;
  const title = await refused(t, ctx, ctx.w, { method: 'POST', url: '/v1/articles', payload: { ...create!.valid, title: '津'.repeat(301) } }, 400);
  t.match(title.errors, [{ pointer: '/title' }]);
  t.equal((await call(ctx.app, ctx.w({ method: 'POST', url: '/v1/articles', payload: { ...create!.valid, title: '津'.repeat(300) } }))).status, 201, '300 is fine');
  // Under the default 1 MiB body limit, a 2,000,001-character body never reaches validation: 413.
  const body = 'x'.repeat(2_000_001);
  const tooLarge = await refused(t, ctx, ctx.w, { method: 'POST', url: '/v1/articles', payload: { ...create!.valid, body } }, 413);
  t.equal(tooLarge.code, 'body-too-large');
  await refused(t, ctx, ctx.w, { method: 'PATCH', url: `/v1/articles/${ctx.article.id}`, payload: { body } }, 413);
});

t.test('with a larger body limit, the 2,000,000-character cap on body is a 400', async (t) => {
  const ctx = await buildTestApp(t, { bodyLimit: 8 * 1024 * 1024 });
  const section = await factories(ctx).section();
  const w = withHeaders(writeHeadersOf(ctx));
  const p = await refused(t, ctx, w, { method: 'POST', url: '/v1/articles', payload: { title: 'x', sectionId: section.id, body: 'x'.repeat(2_000_001) } }, 400);
  t.match(p.errors, [{ in: 'body', pointer: '/body' }]);
  const ok = await call(ctx.app, w({ method: 'POST', url: '/v1/articles', payload: { title: 'x', sectionId: section.id, body: `<p>${'x'.repeat(1_999_990)}</p>` } }));
  t.equal(ok.status, 201, 'just under the cap is stored');
});

t.test('hostile ids, limits and query strings', async (t) => {
  const ctx = await setup(t);
  for (const list of ['/v1/articles', '/v1/sections', '/v1/sources']) {
    for (const limit of ['-1', '-100', '0', '1e308', '9007199254740993', 'NaN', 'Infinity', '%00']) {
      const p = await refused(t, ctx, ctx.w, { method: 'GET', url: `${list}?limit=${limit}` } as InjectOptions, 400);
      t.match(p.errors, [{ in: 'query', pointer: '/limit' }], `${list}?limit=${limit}`);
    }
    await refused(t, ctx, ctx.w, { method: 'GET', url: `${list}?limit=1&limit=2` }, 400);
  }
  for (const id of ['-1', '0', '1.5', '1e308', '9007199254740993', 'abc', '%00', '%F0%9F%98%80']) {
    await refused(t, ctx, ctx.w, { method: 'PATCH', url: `/v1/articles/${id}`, payload: { title: 'x' } }, 400);
    await refused(t, ctx, ctx.w, { method: 'GET', url: `/v1/articles/${id}` }, 400);
  }
  for (const q of [`tag=${'a,'.repeat(600)}`, 'publishedAfter=2023-02-30T00:00:00Z', 'section=%ED%A0%80', `section=${'x'.repeat(101)}`, 'include=__proto__', 'fields=constructor']) {
    await refused(t, ctx, ctx.w, { method: 'GET', url: `/v1/articles?${q}` });
    t.pass(q);
  }
  // No stored tag or externalId can hold a control character: such a filter (or an empty one) is a 400 naming it.
  for (const [q, pointer] of [['tag=%00', '/tag'], ['externalId=%00', '/externalId'], ['tag=a%1Fb', '/tag'], ['externalId=', '/externalId']] as const) {
    const p = await refused(t, ctx, ctx.w, { method: 'GET', url: `/v1/articles?${q}` }, 400);
    t.match(p.errors, [{ in: 'query', pointer }], q);
  }
  const search = await refused(t, ctx, ctx.w, { method: 'GET', url: `/v1/search?q=${encodeURIComponent('天津')}&tag=%01` }, 400);
  t.match(search.errors, [{ in: 'query', pointer: '/tag' }]);
});
