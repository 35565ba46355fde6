// SQLite-specific: the dropped-connection test checks the file's integrity_check and that the import's TEMP
// table of pending links was dropped; the stored rows themselves are read through the port.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { sqliteHandleOf } from '../../src/store/sqlite/store.js';
import { buildTestApp } from '../helpers/app.js';
import { allArticles, allLinks } from '../helpers/store-rows.js';
import { count, exportAll, importBody, NDJSON, ndjson } from './fixtures.js';

const section = { type: 'section', slug: 'tianjin', name: '天津' };
const article = (n: number, links: number[] = []) => ({
  type: 'article',
  externalId: `wire-${n}`,
  title: `天津新闻 第${n}条`,
  section: 'tianjin',
  status: 'published',
  body: `<p>第${n}条新闻的正文。</p>`,
  relatedLinks: links.map((l) => ({ externalId: `wire-${l}` })),
});

/** A body that arrives a line at a time, giving the event loop (and the other import) a turn between lines. */
function trickle(lines: string): Readable {
  return Readable.from(
    (async function* () {
      for (const line of lines.split(/(?<=\n)/)) {
        await sleep(0);
        yield Buffer.from(line);
      }
    })(),
  );
}

t.test('two imports of overlapping files at once end consistent', async (t) => {
  const ctx = await buildTestApp(t);
  // 1–60 and 31–90, each linking to its neighbours (forward and back, across the two files' ranges).
  const file = (from: number, to: number) => ndjson([section, ...Array.from({ length: to - from + 1 }, (_, i) => article(from + i, [from + i + 1, from + i - 1].filter((n) => n >= 1 && n <= 90)))]);
  const [a, b] = await Promise.all([importBody(ctx, trickle(file(1, 60)), '?batchSize=7'), importBody(ctx, trickle(file(31, 90)), '?batchSize=5')]);
  t.equal(a.status, 200);
  t.equal(b.status, 200);
  const failed = a.body.failed + b.body.failed;
  t.ok(failed <= 2, 'only a range end, whose neighbour is in the other file, may fail (if that came too late)');
  for (const e of [...a.body.errors, ...b.body.errors]) t.match(e.externalId, /^wire-(60|31)$/);
  t.equal(await count(ctx, 'articles'), 90, 'each externalId once');
  t.equal(await count(ctx, 'sections'), 1);
  const created = a.body.created + b.body.created;
  t.ok(created <= 91 && created >= 91 - failed, 'every record created once across the two (a failed range end may have been the one that created it)');
  const again = await importBody(ctx, ndjson([section, ...Array.from({ length: 90 }, (_, i) => article(i + 1, [i + 2, i].filter((n) => n >= 1 && n <= 90)))]));
  t.match(again.body, { failed: 0, created: 0 });
  t.equal(await count(ctx, 'relatedLinks'), 178, 'every neighbour link, once');
  const twice = await importBody(ctx, ndjson([section, ...Array.from({ length: 90 }, (_, i) => article(i + 1, [i + 2, i].filter((n) => n >= 1 && n <= 90)))]));
  t.match(twice.body, { unchanged: 91, updated: 0, failed: 0 });
  t.equal(sqliteHandleOf(ctx.store).$client.pragma('integrity_check', { simple: true }), 'ok');
  t.ok((await exportAll(ctx)).length > 0);
});

t.test('a connection dropped mid-body leaves whole batches only', async (t) => {
  const ctx = await buildTestApp(t);
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = ctx.app.server.address() as AddressInfo;
  const batchSize = 10;
  const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/v1/import?batchSize=${batchSize}`, headers: { ...ctx.auth.write, ...NDJSON } });
  req.on('error', () => {});
  // 35 lines: three whole batches (section + 29 articles) and 5 lines of a fourth.
  req.write(ndjson([section, ...Array.from({ length: 34 }, (_, i) => article(i + 1, i > 0 ? [i] : []))]));
  const committed = async () => (await count(ctx, 'articles')) + (await count(ctx, 'sections'));
  for (let i = 0; i < 200 && (await committed()) < 30; i++) await sleep(20);
  t.equal(await committed(), 30, 'three batches are in before the client goes');
  req.destroy();
  await sleep(300);
  t.equal(await committed(), 30, 'the partial fourth batch was not written');
  t.equal((await committed()) % batchSize, 0);
  t.equal(sqliteHandleOf(ctx.store).$client.pragma('integrity_check', { simple: true }), 'ok');
  const stored = new Set((await allArticles(ctx.store)).map((a) => a.id));
  t.same((await allLinks(ctx.store)).filter((l) => l.url === null && !stored.has(l.targetArticleId!)), [], 'no link points at an article that is not stored');
  t.equal(sqliteHandleOf(ctx.store).$client.prepare("SELECT count(*) FROM sqlite_temp_master WHERE type = 'table'").pluck().get(), 0, 'its pending list was dropped');
});
