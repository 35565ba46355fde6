/**
 * Deterministic benchmark data in Masthead's NDJSON import format: sections (parents first),
 * sources, then N articles of realistic Chinese news copy. The same seed and N give
 * byte-identical output, so a cached database can be trusted to hold the same data.
 *
 *   node --import tsx bench/generate.ts --articles 10000 [--seed 42] [--out FILE]
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { toIsoOrNull } from '../src/common/time.js';
import { SECTIONS, SOURCES, SOURCE_KINDS, TAGS, type SectionDef, type SourceDef } from './corpus.js';
import { createRng, createTextMaker, type Rng, type TextMaker } from './text.js';

export type SectionRecord = { type: 'section'; slug: string; name: string; description: string | null; position: number; parent: string | null };
export type SourceRecord = { type: 'source'; slug: string; name: string; url: string; kind: (typeof SOURCE_KINDS)[number] };
export type RelatedLinkRecord = { externalId: string } | { url: string; title: string };
export type ArticleStatus = 'published' | 'draft' | 'archived';
export type ArticleRecord = {
  type: 'article';
  externalId: string;
  slug: string;
  title: string;
  subtitle: string | null;
  summary: string;
  body: string;
  byline: string | null;
  section: string;
  source: string | null;
  sourceUrl: string | null;
  tags: string[];
  coverImageUrl: string | null;
  status: ArticleStatus;
  publishedAt: string | null;
  deletedAt: string | null;
  relatedLinks: RelatedLinkRecord[];
};
export type ImportRecord = SectionRecord | SourceRecord | ArticleRecord;
export type GenerateOptions = { articles: number; seed?: number };

export const DEFAULT_SEED = 42;
const MINUTE = 60_000;
const DAY = 86_400_000;
const BEIJING = 8 * 60 * MINUTE;
/** Five years of archive ending 2026-11-01, counted in Beijing days. */
const FIRST_DAY = Date.UTC(2021, 10, 1) - BEIJING;
const END = Date.UTC(2026, 10, 1);
const DAYS = (END - Date.UTC(2021, 10, 1)) / DAY;
const SCHEDULED_FROM = Date.UTC(2027, 0, 1);

const sourceUrl = (slug: string) => `https://${slug}.example.com/`;
export const externalIdOf = (n: number) => `gen-${String(n).padStart(6, '0')}`;

export function sectionRecords(): SectionRecord[] {
  const top = SECTIONS.map((s, i): SectionRecord => ({ type: 'section', slug: s.slug, name: s.name, description: `${s.name}新闻`, position: i + 1, parent: null }));
  const children = SECTIONS.flatMap((s) =>
    s.children.map((c, i): SectionRecord => ({ type: 'section', slug: c.slug, name: c.name, description: null, position: i + 1, parent: s.slug })),
  );
  return [...top, ...children];
}

export function sourceRecords(): SourceRecord[] {
  return SOURCES.map((s) => ({ type: 'source', slug: s.slug, name: s.name, url: sourceUrl(s.slug), kind: s.kind }));
}

/** Top-level sections weighted like a regional paper's output: local news and politics lead. */
const SECTION_WEIGHTS = [10, 20, 12, 6, 3, 2, 10, 4, 8, 3, 7, 5, 5, 5];
const SOURCE_WEIGHTS = SOURCES.map((s) => s.weight);

/** Publishing times fall in the newsroom's day (06:00–23:00 Beijing), days uniform over five years. */
function publishedTime(rng: Rng): number {
  return FIRST_DAY + rng.int(0, DAYS - 1) * DAY + (6 * 60 + rng.int(0, 17 * 60 - 1)) * MINUTE;
}

type Lifecycle = { status: ArticleStatus; publishedAt: number | null; deletedAt: number | null };

/** ~3 % drafts, ~2 % scheduled (in 2027), ~1 % archived, ~2 % trashed independently of status. */
function lifecycle(rng: Rng): Lifecycle {
  const roll = rng.next();
  const status: ArticleStatus = roll < 0.03 ? 'draft' : roll >= 0.05 && roll < 0.06 ? 'archived' : 'published';
  const publishedAt = roll < 0.03 ? null : roll < 0.05 ? SCHEDULED_FROM + rng.int(0, 365 * 1440 - 1) * MINUTE : publishedTime(rng);
  let deletedAt: number | null = null;
  if (rng.chance(0.02)) {
    const later = rng.int(60, 60 * 1440) * MINUTE;
    // Trashed some time after it went out; drafts and scheduled pieces some time before the end.
    deletedAt = publishedAt !== null && publishedAt < END ? Math.min(publishedAt + later, END - MINUTE) : END - later;
  }
  return { status, publishedAt, deletedAt };
}

function relatedLinks(rng: Rng, n: number, total: number, externalTitle: () => string): RelatedLinkRecord[] {
  const count = rng.int(3, 8);
  const taken = new Set([n]);
  const links: RelatedLinkRecord[] = [];
  for (let i = 0; i < count; i++) {
    // Mostly other generated articles, half of them nearby (same news cycle), some in either direction.
    if (total > count && rng.chance(0.85)) {
      let target = n;
      while (taken.has(target)) target = rng.chance(0.5) ? Math.min(total, Math.max(1, n + rng.int(-300, 300))) : rng.int(1, total);
      taken.add(target);
      links.push({ externalId: externalIdOf(target) });
    } else {
      const site = rng.pick(SOURCES).slug;
      links.push({ url: `${sourceUrl(site)}news/${rng.int(100000, 999999)}.html`, title: externalTitle() });
    }
  }
  return links;
}

function pickTags(rng: Rng, section: SectionDef): string[] {
  const tags = new Set<string>();
  if (rng.chance(0.3) && TAGS.includes(section.name)) tags.add(section.name);
  const want = rng.int(2, 6);
  // Squaring the draw skews towards the head of the list, so a few tags are common, most rare.
  while (tags.size < want) tags.add(TAGS[Math.floor(rng.next() ** 2 * TAGS.length)] as string);
  return [...tags];
}

function byline(rng: Rng, name: () => string): string | null {
  const roll = rng.next();
  if (roll < 0.05) return null;
  if (roll < 0.65) return `记者 ${name()}`;
  if (roll < 0.9) return `记者 ${name()} ${name()}`;
  return `本报记者 ${name()} 通讯员 ${name()}`;
}

function makeArticle(rng: Rng, text: TextMaker, n: number, total: number): ArticleRecord {
  const top = SECTIONS[rng.weighted(SECTION_WEIGHTS)] as SectionDef;
  const section = rng.chance(0.65) ? rng.pick(top.children).slug : top.slug;
  const life = lifecycle(rng);
  const when = new Date((life.publishedAt ?? publishedTime(rng)) + BEIJING);
  text.startArticle(top, when);
  const { title, slugWord } = text.title();
  const source = rng.chance(0.85) ? (SOURCES[rng.weighted(SOURCE_WEIGHTS)] as SourceDef) : null;
  const ym = `${when.getUTCFullYear()}-${String(when.getUTCMonth() + 1).padStart(2, '0')}`;
  return {
    type: 'article',
    externalId: externalIdOf(n),
    slug: `${externalIdOf(n)}-${slugWord}`,
    title,
    subtitle: rng.chance(0.2) ? text.subtitle() : null,
    summary: text.summary(),
    body: text.body(),
    byline: byline(rng, text.name),
    section,
    source: source?.slug ?? null,
    sourceUrl: source && rng.chance(0.6) ? `${sourceUrl(source.slug)}content/${ym}/${rng.int(1000000, 9999999)}.html` : null,
    tags: pickTags(rng, top),
    coverImageUrl: rng.chance(0.6) ? `https://img.example.com/masthead/${ym}/${rng.int(0, 0xffffffff).toString(16).padStart(8, '0')}.jpg` : null,
    status: life.status,
    publishedAt: toIsoOrNull(life.publishedAt),
    deletedAt: toIsoOrNull(life.deletedAt),
    relatedLinks: relatedLinks(rng, n, total, () => text.title().title),
  };
}

/** Sections (parents before children), sources, then the articles, one record at a time. */
export function* generate(opts: GenerateOptions): Generator<ImportRecord> {
  const total = opts.articles;
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`articles must be a non-negative integer, got ${total}`);
  const rng = createRng(opts.seed ?? DEFAULT_SEED);
  const text = createTextMaker(rng);
  yield* sectionRecords();
  yield* sourceRecords();
  for (let n = 1; n <= total; n++) yield makeArticle(rng, text, n, total);
}

const CHUNK = 1 << 20;

/** Writes records as NDJSON in ~1 MB chunks, waiting for 'drain' so memory stays flat. */
export async function writeNdjson(records: Iterable<ImportRecord>, out: NodeJS.WritableStream): Promise<{ records: number; bytes: number }> {
  let buffered = '';
  let count = 0;
  let bytes = 0;
  const flush = async () => {
    bytes += Buffer.byteLength(buffered);
    const ok = out.write(buffered);
    buffered = '';
    if (!ok) await once(out, 'drain');
  };
  for (const record of records) {
    buffered += JSON.stringify(record) + '\n';
    count++;
    if (buffered.length >= CHUNK) await flush();
  }
  if (buffered) await flush();
  return { records: count, bytes };
}

const USAGE = 'usage: node --import tsx bench/generate.ts --articles N [--seed S] [--out FILE]';

function integerOption(value: string | undefined, name: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (value === undefined || !/^\d+$/.test(value)) throw new Error(`--${name} must be a non-negative integer\n${USAGE}`);
  return Number(value);
}

/** The CLI; stdout and stderr are passed in so a test can run it in-process. */
export async function main(argv: string[], stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { articles: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } } });
  const articles = integerOption(values.articles, 'articles');
  const seed = integerOption(values.seed, 'seed', DEFAULT_SEED);
  const started = performance.now();
  const file = values.out === undefined ? null : createWriteStream(values.out);
  const written = await writeNdjson(generate({ articles, seed }), file ?? stdout);
  if (file) {
    file.end();
    await finished(file);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  stderr.write(`generated ${articles} articles (${written.records} records, ${(written.bytes / 1e6).toFixed(1)} MB) in ${seconds} s\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  });
}
