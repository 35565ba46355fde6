import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import t from 'tap';
import { generate, main, writeNdjson, type ArticleRecord, type ImportRecord, type SectionRecord, type SourceRecord } from '../../bench/generate.js';
import { SLUG_PATTERN } from '../../src/common/slug.js';

const NAV = ['热点', '天津', '政情', '法治', '微视', '点播', '财经', '炫闻', '民声', '工作室', '体育', '娱乐', '文汇', '乐活'];

/** Runs the CLI in-process and returns what it wrote to stdout. */
async function runCli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  err.on('data', (c: Buffer) => errChunks.push(c));
  await main(args, out, err);
  return { stdout: Buffer.concat(chunks).toString('utf8'), stderr: Buffer.concat(errChunks).toString('utf8') };
}

const textOf = (html: string) => html.replace(/<[^>]+>/g, '');

t.test('200 articles: valid NDJSON, deterministic, complete and consistent', async (t) => {
  const first = await runCli(['--articles', '200', '--seed', '7']);
  const second = await runCli(['--articles', '200', '--seed', '7']);
  t.equal(first.stdout, second.stdout, 'same seed and N give byte-identical output');
  t.not((await runCli(['--articles', '200', '--seed', '8'])).stdout, first.stdout, 'another seed gives other content');
  t.match(first.stderr, /generated 200 articles \(273 records, [\d.]+ MB\)/);

  const lines = first.stdout.split('\n');
  t.equal(lines.pop(), '', 'output ends with a newline');
  const records = lines.map((line) => JSON.parse(line) as ImportRecord);
  const sections = records.filter((r): r is SectionRecord => r.type === 'section');
  const sources = records.filter((r): r is SourceRecord => r.type === 'source');
  const articles = records.filter((r): r is ArticleRecord => r.type === 'article');
  t.equal(records.length, sections.length + sources.length + articles.length, 'no other record types');
  t.equal(articles.length, 200);
  t.equal(sources.length, 20);

  // Sections come first, parents before children; the top level is the seed page's navigation.
  t.same(records.slice(0, sections.length), sections, 'sections come first');
  t.same(records.slice(sections.length, sections.length + 20), sources, 'then sources');
  const top = sections.filter((s) => s.parent === null);
  t.same(top.map((s) => s.name), NAV);
  t.same(top.map((s) => s.position), NAV.map((_, i) => i + 1));
  const seen = new Set<string>();
  for (const s of sections) {
    t.match(s.slug, SLUG_PATTERN);
    if (s.parent !== null) t.ok(seen.has(s.parent), `${s.slug}'s parent comes before it`);
    seen.add(s.slug);
  }
  t.equal(seen.size, sections.length, 'section slugs are unique');
  for (const parent of top) {
    const children = sections.filter((s) => s.parent === parent.slug).length;
    t.ok(children >= 2 && children <= 4, `${parent.slug} has 2–4 subsections`);
  }
  t.same(new Set(sources.map((s) => s.kind)), new Set(['newspaper', 'agency', 'website', 'partner', 'internal']));
  for (const s of sources) t.match(s.url, /^https:\/\/[a-z0-9-]+\.example\.com\/$/);

  const sourceSlugs = new Set(sources.map((s) => s.slug));
  const externalIds = new Set(articles.map((a) => a.externalId));
  t.equal(externalIds.size, 200, 'externalIds are unique');
  t.equal(new Set(articles.map((a) => a.slug)).size, 200, 'slugs are unique');
  let internalLinks = 0;
  for (const a of articles) {
    t.match(a.slug, SLUG_PATTERN);
    t.ok(seen.has(a.section), `${a.externalId}'s section exists`);
    if (a.source !== null) t.ok(sourceSlugs.has(a.source), `${a.externalId}'s source exists`);
    t.ok(a.title.length >= 12 && a.title.length <= 30, `title of 12–30 characters: ${a.title}`);
    const paragraphs = a.body.match(/<p>[^<]+<\/p>/g) ?? [];
    t.equal(paragraphs.join(''), a.body, 'the body is nothing but <p> elements');
    t.ok(paragraphs.length >= 4 && paragraphs.length <= 10, '4–10 paragraphs');
    const length = textOf(a.body).length;
    t.ok(length >= 1000 && length <= 3000, `body text of 1,000–3,000 characters (${length})`);
    t.ok(a.tags.length >= 2 && a.tags.length <= 6 && new Set(a.tags).size === a.tags.length, '2–6 distinct tags');
    t.ok(a.relatedLinks.length >= 3 && a.relatedLinks.length <= 8, '3–8 related links');
    for (const link of a.relatedLinks) {
      if ('externalId' in link) {
        internalLinks++;
        t.ok(externalIds.has(link.externalId) && link.externalId !== a.externalId, 'links point at another generated article');
      } else {
        t.match(link, { url: /^https:\/\/[a-z0-9-]+\.example\.com\//, title: /\S/ });
      }
    }
  }
  const allLinks = articles.reduce((n, a) => n + a.relatedLinks.length, 0);
  t.ok(internalLinks / allLinks > 0.7, 'most related links point at generated articles');
});

t.test('statuses, dates and words are distributed as specified', async (t) => {
  const articles = [...generate({ articles: 5000, seed: 1 })].filter((r): r is ArticleRecord => r.type === 'article');
  const share = (pred: (a: ArticleRecord) => boolean) => articles.filter(pred).length / articles.length;
  const drafts = share((a) => a.status === 'draft');
  const scheduled = share((a) => a.status === 'published' && a.publishedAt !== null && a.publishedAt >= '2027');
  const archived = share((a) => a.status === 'archived');
  const trashed = share((a) => a.deletedAt !== null);
  t.ok(drafts > 0.02 && drafts < 0.045, `~3 % drafts (${drafts})`);
  t.ok(scheduled > 0.01 && scheduled < 0.035, `~2 % scheduled (${scheduled})`);
  t.ok(archived > 0.003 && archived < 0.02, `~1 % archived (${archived})`);
  t.ok(trashed > 0.01 && trashed < 0.035, `~2 % trashed (${trashed})`);

  for (const a of articles) {
    if (a.status === 'draft') t.equal(a.publishedAt, null);
    else if (a.publishedAt! < '2027') t.ok(a.publishedAt! >= '2021-10-31T16:00:00.000Z' && a.publishedAt! < '2026-11-01', 'published within the five years');
    else t.ok(a.publishedAt! < '2028', 'scheduled within 2027');
    if (a.deletedAt !== null) {
      t.ok(a.deletedAt < '2026-11-01', 'trashed before the end of the archive');
      if (a.publishedAt !== null && a.publishedAt < '2027') t.ok(a.deletedAt > a.publishedAt, 'trashed after it was published');
    }
  }
  const years = new Map<string, number>();
  for (const a of articles) if (a.status !== 'draft' && a.publishedAt! < '2027') years.set(a.publishedAt!.slice(0, 4), (years.get(a.publishedAt!.slice(0, 4)) ?? 0) + 1);
  for (const year of ['2022', '2023', '2024', '2025']) t.ok((years.get(year) ?? 0) / articles.length > 0.16, `a fifth of the articles in ${year}`);

  // Search benchmarks query these; each must be common but not universal (天津 is everywhere).
  const inText = (word: string) => share((a) => (a.title + textOf(a.body)).includes(word));
  t.ok(inText('天津') > 0.9, '天津 in nearly every article');
  for (const word of ['协作', '高质量发展', '乡村振兴', '京津冀协同', '5G', 'CEO']) {
    const s = inText(word);
    t.ok(s > 0.01 && s < 0.6, `${word} in some articles (${s})`);
  }
});

t.test('--out writes the same bytes as stdout', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'out.ndjson');
  await runCli(['--articles', '20', '--out', file]);
  t.equal(await readFile(file, 'utf8'), (await runCli(['--articles', '20'])).stdout);
});

t.test('bad arguments are refused', async (t) => {
  await t.rejects(runCli([]), /--articles must be a non-negative integer/);
  await t.rejects(runCli(['--articles', 'ten']), /--articles must be a non-negative integer/);
  await t.rejects(runCli(['--articles', '5', '--seed', '1.5']), /--seed must be/);
  await t.rejects(runCli(['--articles', '5', '--colour', 'red']), /Unknown option/);
  t.throws(() => generate({ articles: -1 }).next(), RangeError);
});

t.test('writeNdjson waits for a slow consumer instead of buffering', async (t) => {
  let writes = 0;
  let bytes = 0;
  let maxPending = 0;
  let maxChunk = 0;
  const slow = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, done) {
      writes++;
      bytes += chunk.length;
      maxChunk = Math.max(maxChunk, chunk.length);
      maxPending = Math.max(maxPending, slow.writableLength);
      setImmediate(done);
    },
  });
  const result = await writeNdjson(generate({ articles: 800 }), slow);
  slow.end();
  await finished(slow);
  t.equal(result.records, 873);
  t.equal(result.bytes, bytes, 'reports the bytes it wrote');
  t.ok(writes >= 2, 'wrote in chunks');
  t.ok(maxPending <= maxChunk, 'never more than one chunk waiting in the stream');
});
