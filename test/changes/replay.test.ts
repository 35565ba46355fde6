import t from 'tap';
import { buildTestApp, call, type TestApp } from '../helpers/app.js';
import { factories, hoursFrom } from '../helpers/factories.js';
import { apply, sorted, truth, type Copy, type Event, type Headers } from './helpers.js';

/** A small deterministic random generator, so a failure can be replayed. */
function prng(seed: number) {
  return () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

/** Random editorial work: sections, sources, articles (drafts, scheduled, published), links, edits, trash, purge. */
async function randomWrite(ctx: TestApp, rnd: () => number, ids: { sections: number[]; sources: number[]; articles: number[] }) {
  const f = factories(ctx);
  const w = { headers: ctx.auth.admin };
  const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)]!;
  const r = rnd();
  if (r < 0.08 || ids.sections.length === 0) return void ids.sections.push((await f.section({ parentId: ids.sections.length && rnd() < 0.5 ? pick(ids.sections) : null })).id);
  if (r < 0.12 || ids.sources.length === 0) return void ids.sources.push((await f.source()).id);
  if (r < 0.4 || ids.articles.length < 2) {
    const kind = rnd();
    const body = kind < 0.2 ? { status: 'draft' } : kind < 0.45 ? { publishedAt: new Date(ctx.clock.now + rnd() * 4 * 3_600_000).toISOString() } : {};
    return void ids.articles.push((await f.article(pick(ids.sections), { sourceId: rnd() < 0.5 ? pick(ids.sources) : null, ...body })).id);
  }
  const a = pick(ids.articles);
  if (r < 0.5) return void (await call(ctx.app, { method: 'POST', url: `/v1/articles/${a}/related-links`, payload: rnd() < 0.6 ? { targetArticleId: pick(ids.articles.filter((x) => x !== a)) } : { url: 'https://www.enorth.com.cn/', title: '北方网' }, ...w }));
  if (r < 0.55) {
    const links = (await call(ctx.app, { method: 'GET', url: `/v1/articles/${a}/related-links`, ...w })).body;
    if (Array.isArray(links) && links.length) await call(ctx.app, { method: 'DELETE', url: `/v1/articles/${a}/related-links/${pick(links).id}`, ...w });
    return;
  }
  const patches = [{ title: `改 ${Math.floor(rnd() * 1e6)} 标题` }, { status: 'draft' }, { status: 'published' }, { status: 'archived' }, { sectionId: pick(ids.sections) }, { publishedAt: new Date(ctx.clock.now + (rnd() - 0.3) * 3 * 3_600_000).toISOString() }];
  if (r < 0.8) return void (await call(ctx.app, { method: 'PATCH', url: `/v1/articles/${a}`, payload: pick(patches), ...w }));
  if (r < 0.88) return void (await call(ctx.app, { method: 'DELETE', url: `/v1/articles/${a}`, ...w }));
  if (r < 0.94) return void (await call(ctx.app, { method: 'POST', url: `/v1/articles/${a}/restore`, ...w }));
  if (r < 0.97) {
    await call(ctx.app, { method: 'DELETE', url: `/v1/articles/${a}?permanent=true`, ...w });
    ids.articles.splice(ids.articles.indexOf(a), 1);
    return;
  }
  await call(ctx.app, { method: 'PATCH', url: `/v1/sections/${pick(ids.sections)}`, payload: { name: `栏目 ${Math.floor(rnd() * 1000)}` }, ...w });
}

for (const [who, seed] of [['an anonymous reader', 7], ['an editor', 11]] as const) {
  t.test(`${who} replaying the feed into an empty copy, while writes go on, ends with the same content`, async (t) => {
    const ctx = await buildTestApp(t);
    const headers: Headers = who === 'an editor' ? ctx.auth.write : {};
    const rnd = prng(seed);
    const ids = { sections: [] as number[], sources: [] as number[], articles: [] as number[] };
    const copy: Copy = { section: new Map(), source: new Map(), article: new Map() };
    let since: string | undefined;
    let events = 0;
    const poll = async () => {
      // One small page per poll: the copy lags behind the writes, as a real partner's does.
      const res = await call(ctx.app, { method: 'GET', url: `/v1/changes?limit=7${since ? `&since=${since}` : ''}`, headers });
      for (const e of res.body.data as Event[]) await apply(ctx.app, headers, copy, e);
      events += res.body.data.length;
      since = res.body.page.nextCursor;
      return res.body.page.hasMore as boolean;
    };
    for (let i = 0; i < 150; i++) {
      await randomWrite(ctx, rnd, ids);
      ctx.clock.advance(Math.floor(rnd() * 10 * 60_000));
      if (i % 3 === 0) await poll();
    }
    while (await poll());
    t.same(sorted(copy), sorted(await truth(ctx.app, headers)), 'the copy equals the source');
    ctx.clock.set(hoursFrom(new Date(ctx.clock.now).toISOString(), 6)); // every scheduled article is now due
    while (await poll());
    const final = await truth(ctx.app, headers);
    t.same(sorted(copy), sorted(final), 'and again once every scheduled article has come due');
    t.ok(final.article.size > 5 && events > 50, `a real workload: ${final.article.size} articles, ${events} events`);
  });
}
